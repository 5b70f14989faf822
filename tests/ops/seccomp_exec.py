"""Run a command under the system-call part of a systemd unit's sandbox, without systemd.

    /usr/bin/python3 seccomp_exec.py FILTER.json COMMAND [ARG...]

Run by Debian's own python3 (python3-seccomp binds libseccomp there), then
exec()s COMMAND with the filter in force for it and all its children, as
systemd would load it. FILTER.json (written by ``unit_sandbox.filter_of``):

- ``allow``: system calls allowed (SystemCallFilter= expanded); any other
  fails with EPERM (SystemCallErrorNumber=EPERM);
- ``families``: address families ``socket()`` may create (RestrictAddressFamilies=);
  others fail (EPERM here, EAFNOSUPPORT under systemd);
- ``restrict_namespaces``: RestrictNamespaces=yes: unshare/setns fail, clone()
  with any CLONE_NEW* flag fails, clone3 returns ENOSYS (so libc falls back to
  clone, whose flags a filter can see; systemd does the same).

Loading the filter sets no_new_privs, as NoNewPrivileges=yes does.
"""

import errno
import json
import os
import sys

import seccomp

#: CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000


def build(spec: dict) -> seccomp.SyscallFilter:
    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    special = {"socket", "clone", "clone3", "unshare", "setns"}
    for name in sorted(set(spec["allow"]) - special):
        try:
            rules.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError):
            continue  # a name this kernel/architecture does not have
    if "socket" in spec["allow"]:
        for family in spec["families"]:
            rules.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, family))
    if spec["restrict_namespaces"]:
        rules.add_rule(seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEW_ANY, 0))
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    else:
        for name in special - {"socket"}:
            if name in spec["allow"]:
                rules.add_rule(seccomp.ALLOW, name)
    return rules


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    build(spec).load()
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()
