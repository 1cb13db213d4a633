/* Applies the host's Landlock ruleset (/leash/landlock.rules) to leash-entry itself,
 * so the command it execs inherits it.
 *
 * File format (written by src/boot/landlock_rules.ts), UTF-8 text, one item a line:
 *   leash-landlock 1        header, first line, format version
 *   handle rwx              the access classes the ruleset governs (subset of r, w, x)
 *   rw /workspace           a rule: classes allowed beneath the path, one space, the
 *   rx /usr                 absolute path to the end of the line (spaces allowed)
 *   # comment               ignored, as are empty lines
 * Classes: r = read files and list dirs; w = write, truncate, create, remove, rename
 * and device ioctl; x = execute. A governed class is denied wherever no rule allows it. */
#ifndef LEASH_LANDLOCK_H
#define LEASH_LANDLOCK_H

/* Parses rules_path and restricts the calling process; 0, or -1 after logging. */
int entry_landlock_apply(const char *rules_path);

#endif
