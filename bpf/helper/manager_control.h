/* The manager's control-socket mode (docs/protocol.md): hello, staging, activate, events,
 * policy.update, mode.set, stop; fail closed on control EOF or SIGTERM. */
#ifndef LEASH_MANAGER_CONTROL_H
#define LEASH_MANAGER_CONTROL_H

/* Socket paths of the session (the host listens on all three). */
struct manager_control_options {
	const char *control;
	const char *proxy;
	const char *dns;
};

/* Runs until stop (0) or control EOF, SIGTERM or a fatal error (1). */
int manager_control_main(const struct manager_control_options *opts);

#endif
