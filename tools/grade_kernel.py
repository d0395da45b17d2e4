"""The kernel that runs student notebooks for ``make grade``: no network, no gradebook.

``tools/grade.py`` writes a kernel spec whose command is this module. Two layers:

1. **Namespaces** (Linux, where ``unshare`` with user namespaces works; the grader
   checks this once and says which layer it uses): the kernel runs in its own network
   namespace (no interface but a dead loopback: every connection fails), in its own
   mount namespace in which the project folder is read-only, the gradebook folder and
   the course's source, release, submitted and feedback folders are hidden under empty
   tmpfs mounts (``nbgrader_config.py`` with the database URL under ``/dev/null``), and only the submission's own folder is writable; then it drops to an
   unprivileged user (a nested user namespace), so it cannot undo any of this. The
   kernel talks to nbgrader over Unix sockets (zmq ``ipc``), which need no network.
2. **Python guard** (always): ``socket.socket.connect`` refuses every address outside
   the machine with a German message, for the case without namespaces.

Student code cannot change the tests either way: nbgrader restores every test cell
from the gradebook (checksums) before it runs the notebook.
"""

import os
import socket
import subprocess
import sys

ISOLATED = "NN_BEWERTUNG_ISOLIERT"      # set inside the namespaces
HIDDEN = "NN_BEWERTUNG_VERBORGEN"       # folders to hide (os.pathsep-separated)
READ_ONLY = "NN_BEWERTUNG_NUR_LESEN"    # folder to make read-only (the project)
SECRETS = ("NN_GRADEBOOK_URL", "PGPASSWORD", "PGPASSFILE", "DATABASE_URL")


def namespaces_available() -> bool:
    """True if this machine lets an unprivileged process create user+net+mount namespaces."""
    try:
        return subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
                              capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _isolate_filesystem(cwd: str):
    """Inside the new mount namespace: project read-only, secrets hidden, cwd writable."""
    read_only = os.environ.get(READ_ONLY)
    if read_only and os.path.isdir(read_only):
        _mount("--bind", read_only, read_only)
        _mount("-o", "remount,bind,ro", read_only)
    for path in filter(None, os.environ.get(HIDDEN, "").split(os.pathsep)):
        if os.path.isdir(path):
            _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", path)
        elif os.path.isfile(path):          # e.g. nbgrader_config.py with the database URL
            _mount("--bind", "/dev/null", path)
    _mount("--bind", cwd, cwd)
    _mount("-o", "remount,bind,rw", cwd)


def _guard_sockets():
    """Refuse connections to other machines from Python code (German message)."""
    original = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1", "localhost"):
                raise OSError(f"Kein Netzwerk in der Bewertung: Verbindung zu {host} ist gesperrt.")
        return original(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = lambda self, address: connect(self, address) or 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    isolate = "--isolieren" in argv
    argv = [arg for arg in argv if arg != "--isolieren"]
    if isolate and os.environ.get(ISOLATED) == "outer":
        _isolate_filesystem(os.getcwd())
        os.environ[ISOLATED] = "inner"
        os.execvp("unshare", ["unshare", "--user", "--mount", "--map-user=1000", "--map-group=1000",
                              "--", sys.executable, "-m", "tools.grade_kernel", *argv])
    if isolate and not os.environ.get(ISOLATED):
        os.environ[ISOLATED] = "outer"
        os.execvp("unshare", ["unshare", "--user", "--map-root-user", "--net", "--mount", "--",
                              sys.executable, "-m", "tools.grade_kernel", "--isolieren", *argv])
    for secret in SECRETS:                  # the gradebook's address and password
        os.environ.pop(secret, None)
    _guard_sockets()
    from ipykernel import kernelapp
    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    main()
