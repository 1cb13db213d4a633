/* Applies the host's Landlock ruleset (/leash/landlock.rules) to leash-entry itself,
 * so the command it execs inherits it.
 *
 * File format (written by src/landlock/rules_file.ts), UTF-8 text, one item a line:
 *   leash-landlock 2        header, first line, format version
 *   handle rwx              the access classes the ruleset governs (subset of r, w, x)
 *   rw /workspace           a rule: classes allowed beneath the path, one space, the
 *   rx /usr                 absolute path to the end of the line (spaces allowed)
 *   each w /root            a rule on each entry of the directory (listed here, as root,
 *   except .ssh             before the drop; a host that is not root cannot list the
 *                           image), but the names on the "except" lines after it; symlinks
 *                           are never granted (a rule would grant their target)
 *   # comment               ignored, as are empty lines
 * Classes: r = read files and list dirs; w = write, truncate, create, remove, rename
 * and device ioctl; x = execute. A governed class is denied wherever no rule allows it. */
#ifndef LEASH_LANDLOCK_H
#define LEASH_LANDLOCK_H

/* Parses rules_path and restricts the calling process; 0, or -1 after logging. */
int entry_landlock_apply(const char *rules_path);

#endif
