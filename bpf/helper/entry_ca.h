/* Installs the session's CA (/leash/ca-cert.pem) into the image's trust store and
 * points the usual CA environment variables at a bundle that holds it. */
#ifndef LEASH_ENTRY_CA_H
#define LEASH_ENTRY_CA_H

/* Returns 0 (also when there is no CA to install) or an exit code after logging the
 * failed step and its fix; the distro tool is bounded by deadline (monotonic s). */
int entry_ca_install(double deadline, double timeout_s);

#endif
