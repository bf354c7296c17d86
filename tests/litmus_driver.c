// SPDX-License-Identifier: GPL-2.0-only
/* litmus_driver.c - `litmus_driver ARGS...` runs litmus_main (bbmsim litmus) for the tests. */
#include "bbmsim/litmus.h"

int main(int argc, char **argv)
{
	argv[0] = "litmus";
	return litmus_main(argc, argv);
}
