"""Telegram adapters: parse an Update, call the core, render a reply."""
