/* placeholder */ typedef int signet_placeholder;
