"""The notewire web server: Starlette app, security middleware, REST routes."""
