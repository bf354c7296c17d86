// SPDX-License-Identifier: GPL-2.0-only
// plain.s - a .s source: assembled as it is, no preprocessor (a # line is a comment).
# this line is a comment for as, not a directive
	.text
	.global plain_fn
plain_fn:
	mov	x0, #7
	ret
