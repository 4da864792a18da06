#ifndef SIGNET_COMMANDS_H
#define SIGNET_COMMANDS_H

/* commands - the signet subcommands that live in files of their own */

extern int cmd_dmarc_import(int, char **);
extern int cmd_dmarc_failures(int, char **);
extern int cmd_dmarc_report(int, char **);

extern int cmd_counters(int, char **);

extern int cmd_keys_generate(int, char **);
extern int cmd_keys_list(int, char **);
extern int cmd_keys_dns(int, char **);
extern int cmd_keys_check(int, char **);
extern int cmd_keys_rotate(int, char **);
extern int cmd_keys_activate(int, char **);

extern int cmd_check(int, char **);

#endif
