"""bansou (伴走): application core — configuration, assembly, CLI, services and the pure domain."""
