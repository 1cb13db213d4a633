/* The two roles of leash-helper; main.c dispatches argv[1] to one of them. */
#ifndef LEASH_ROLES_H
#define LEASH_ROLES_H

/* leash-entry: the target container's entrypoint (DESIGN.md §3 steps 2, 4, 7). */
int entry_main(int argc, char **argv);

/* leash-helper manager: the kernel side in the manager container (DESIGN.md §1, §3). */
int manager_main(int argc, char **argv);

/* leash-helper bridge: forwards the manager's unix-socket streams to leash over an
 * authenticated TCP channel (engines whose filesystem is not the host's). */
int bridge_main(int argc, char **argv);

/* leash-helper probe: loads trivial LSM, cgroup and tracepoint programs; prints JSON. */
int probe_main(int argc, char **argv);

#endif
