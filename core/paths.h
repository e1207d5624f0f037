/* Where things live: XDG directories, IPython profile directories and the
 * profile search path. Returned strings are owned by the caller. */
#ifndef HPCTOP_PATHS_H
#define HPCTOP_PATHS_H

#include "err.h"
#include "strv.h"

/* $HOME, or the passwd entry's home. Never NULL. */
char *paths_home(void);
/* The user's login name: the passwd entry's, else $USER; NULL when
 * neither is known. */
char *paths_user_name(void);
/* $XDG_CONFIG_HOME/hpctop (default ~/.config/hpctop). */
char *paths_config_dir(void);
/* $XDG_STATE_HOME/hpctop (default ~/.local/state/hpctop). */
char *paths_state_dir(void);
/* The defaults of those below another machine's home directory (whose
 * environment hpctop does not read): home/.config/hpctop,
 * home/.local/state/hpctop, home/.ipython. */
char *paths_config_dir_in(const char *home);
char *paths_state_dir_in(const char *home);
char *paths_ipython_dir_in(const char *home);
/* dir/<fmt ...>, and frees dir: a path below a directory that a paths_
 * function (or another owner) handed over. */
char *paths_below(char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* $IPYTHONDIR (default ~/.ipython). */
char *paths_ipython_dir(void);
/* <ipython dir>/profile_<name>. */
char *paths_ipython_profile_dir(const char *ipython_profile);
char *paths_ipython_profile_dir_in(const char *ipython_dir,
    const char *ipython_profile);
/* <profile dir>/security/ipcontroller[-<cluster_id>]-<which>.json, where
 * which is "client" or "engine"; cluster_id may be NULL or "". */
char *paths_connection_file(const char *ipython_profile,
    const char *cluster_id, const char *which);
/* Same below the IPython directory ipython_dir. */
char *paths_connection_file_in(const char *ipython_dir,
    const char *ipython_profile, const char *cluster_id, const char *which);
/* The running executable's path, and the directory holding it; NULL when
 * /proc cannot say. Caller frees. */
char *paths_exe(void);
char *paths_exe_dir(void);
/* Refuses what another user could have written, as ssh does for its
 * config: path (or, while it does not exist yet, what will hold it) and
 * every directory above it must be owned by you or root and not writable
 * by group or others (a directory with the sticky bit, such as /tmp,
 * excepted). -1 with e saying which and why: "directory /x is writable by
 * others (mode 0777)". */
int paths_check_trusted(const char *path, struct err *e);
/* The names in dir that do not start with '.' and end in suffix (""
 * for all), without it, sorted, pushed onto names; none when dir cannot
 * be read. */
void paths_list_dir(const char *dir, const char *suffix, struct strv *names);
/* mkdir -p with the given mode for created components. */
int paths_mkdir_p(const char *path, unsigned mode, struct err *e);

#endif
