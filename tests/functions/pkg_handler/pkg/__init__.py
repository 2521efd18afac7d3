"""Package for the `pkg.module.function` handler form (pkg.module.handler, pkg.sub.deeper.handler)."""
