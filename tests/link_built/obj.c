// SPDX-License-Identifier: GPL-2.0-only
/*
 * obj.c - compiled by the build into an AArch64 object (tests/CMakeLists.txt)
 * for object.yaml, which links it as it is (code[].object): its .data, its
 * .bss, and a named section.
 */
unsigned long obj_counter = 5;
unsigned long obj_zero;

__attribute__((section(".text.obj_entry"))) unsigned long obj_add(unsigned long x)
{
	obj_zero += x;
	obj_counter += obj_zero;
	return obj_counter;
}

__attribute__((section(".init.text"))) unsigned long obj_init(void)
{
	return 0x1234;
}
