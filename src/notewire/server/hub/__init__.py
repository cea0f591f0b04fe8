"""notewire as a JupyterHub single-user server (`notewire singleuser`): the hub's
environment, its REST API as a client, and activity reports. The web half (the OAuth
login) is `server/web/hub_auth.py`."""
