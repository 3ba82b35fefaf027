"""JupyterHub for the course on one server: PAM login for the roster, JupyterLab per user, the Formgrader as a service.

Written for JupyterHub 5 (``hub/requirements.txt``). ``python -m coursetools.hub setup`` writes the
settings this file reads (``$DLKURS_HUB_SETTINGS``, default ``/etc/dlkurs/hub.json``) and the Jupyter
configuration below ``<etc>/jupyter/``; ``python -m coursetools.hub start`` runs the hub with it.
"""
import json
import os
from pathlib import Path

settings = json.loads(Path(os.environ.get("DLKURS_HUB_SETTINGS", "/etc/dlkurs/hub.json")).read_text())
course_id = settings["course_id"]
instructors, students = settings["instructors"], settings["students"]
environment_bin = Path(settings["environment"]) / "bin"
state = Path(settings["state_dir"])
jupyter_config = Path(settings["etc_dir"]) / "jupyter"
path = f"{environment_bin}:/usr/local/bin:/usr/bin:/bin"

c = get_config()  # noqa: F821 (provided by JupyterHub)

# --- Network: the proxy serves the public port; the hub and the proxy's API stay on loopback.
c.JupyterHub.bind_url = f"http://{settings['ip']}:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
# The pure-Python configurable-http-proxy from PyPI: no Node.js on the server.
c.ConfigurableHTTPProxy.command = [str(environment_bin / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")

# --- Login: Unix passwords (PAM), only for the people on the roster.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(instructors) | set(students)
# JupyterHub 5 would otherwise also let in every user already in its database (e.g. someone removed from the roster).
c.Authenticator.allow_existing_users = False
c.PAMAuthenticator.open_sessions = False

# --- One JupyterLab per user, as that Unix user, from the shared environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(environment_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": path,
    # nbgrader's exchange and course id for everyone; students' servers without the Formgrader.
    "JUPYTER_CONFIG_PATH": f"{jupyter_config / 'student'}:{jupyter_config / 'common'}",
}
# A loaded server starts a user's JupyterLab in seconds; leave room for a whole class logging in at once.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
# nbgrader's Assignment List asks the hub which course groups its user is in (JupyterHubAuthPlugin):
# the server's token needs the user's own name and groups, which JupyterHub 5's default server token lacks.
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "read:users:name!user",
    "read:users:groups!user",
]

# --- Groups nbgrader knows: formgrade-<course_id> grades, nbgrader-<course_id> takes the course.
c.JupyterHub.load_groups = {
    f"formgrade-{course_id}": {"users": instructors},
    f"nbgrader-{course_id}": {"users": students},
}
c.JupyterHub.load_roles = [
    {   # graders may open the Formgrader service (JupyterHub 5 grants access to services only by scope)
        "name": f"formgrader-{course_id}",
        "description": "Open the course's Formgrader",
        "groups": [f"formgrade-{course_id}"],
        "scopes": [f"access:services!service={course_id}"],
    },
    {   # the service reads who is in the course and adds students it enrols to the course's group
        "name": f"course-service-{course_id}",
        "description": "What nbgrader's JupyterHubAuthPlugin asks of the hub",
        "services": [course_id],
        "scopes": ["list:users", "read:users:name", "read:users:groups", "list:groups", "read:groups",
                   f"groups!group=nbgrader-{course_id}"],
    },
]

# --- The Formgrader: a JupyterLab service named like the course, running as the first instructor in the course folder.
c.JupyterHub.services = [
    {
        "name": course_id,
        "url": f"http://127.0.0.1:{settings['service_port']}",
        "command": [str(environment_bin / "jupyterhub-singleuser")],
        "user": instructors[0],
        "cwd": settings["course_dir"],
        "environment": {
            "PATH": path,
            # Formgrader and course list on, and the CSP header that lets JupyterLab show the Formgrader
            # in its iframe under JupyterHub >= 4.1 (frame-ancestors 'self' instead of 'none').
            "JUPYTER_CONFIG_PATH": f"{jupyter_config / 'formgrader'}:{jupyter_config / 'common'}",
        },
        "oauth_no_confirm": True,
    },
]
