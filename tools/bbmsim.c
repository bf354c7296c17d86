// SPDX-License-Identifier: GPL-2.0-only
/* bbmsim - the command line. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) { (void)argc; (void)argv; puts("bbmsim"); return 0; }
