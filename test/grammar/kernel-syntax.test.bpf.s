; SYNTAX TEST "source.ebpf-asm" "kernel / LLVM dialect"

.section xdp
; <-------- keyword.control.directive.ebpf-asm
;        ^^^ entity.name.section.ebpf-asm
.section "kprobe/vfs_read"
;        ^^^^^^^^^^^^^^^^^ string.quoted.double.ebpf-asm
.map counts hash key=4 value=8 entries=1024
; <---- keyword.control.directive.ebpf-asm
;    ^^^^^^ entity.name.type.map.ebpf-asm
;           ^^^^ support.type.map.ebpf-asm
;                ^^^ variable.parameter.map-attribute.ebpf-asm
;                   ^ keyword.operator.assignment.ebpf-asm
;                    ^ constant.numeric.decimal.ebpf-asm
;                                      ^^^^ constant.numeric.decimal.ebpf-asm
.globl main
; <----- keyword.control.directive.ebpf-asm
;      ^^^^ entity.name.function.ebpf-asm
.byte 1, 0x2, -3
; <----- keyword.control.directive.ebpf-asm
;     ^ constant.numeric.decimal.ebpf-asm
;        ^^^ constant.numeric.hex.ebpf-asm
;             ^^ constant.numeric.decimal.ebpf-asm
.quad 0xffffffffffffffff
;     ^^^^^^^^^^^^^^^^^^ constant.numeric.hex.ebpf-asm
main:
; <---- entity.name.label.ebpf-asm
;   ^ punctuation.separator.label.ebpf-asm
  r1 = *(u32 *)(r1 + 4)
; ^^ variable.language.register.ebpf-asm
;    ^ keyword.operator.assignment.ebpf-asm
;      ^ keyword.operator.arithmetic.ebpf-asm
;        ^^^ storage.type.ebpf-asm
;               ^^ variable.language.register.ebpf-asm
;                  ^ keyword.operator.arithmetic.ebpf-asm
;                    ^ constant.numeric.decimal.ebpf-asm
  w0 = (s8)w1
; ^^ variable.language.register.ebpf-asm
;       ^^ storage.type.ebpf-asm
;          ^^ variable.language.register.ebpf-asm
  if r1 s> -3 goto out
; ^^ keyword.control.conditional.ebpf-asm
;    ^^ variable.language.register.ebpf-asm
;       ^^ keyword.operator.signed.ebpf-asm
;          ^^ constant.numeric.decimal.ebpf-asm
;             ^^^^ keyword.control.jump.ebpf-asm
;                  ^^^ entity.name.label.reference.ebpf-asm
  if w1 != 0x10 goto +2
;       ^^ keyword.operator.comparison.ebpf-asm
;          ^^^^ constant.numeric.hex.ebpf-asm
;                    ^^ constant.numeric.decimal.ebpf-asm
  r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)
;      ^^^^^^^^^^^^^^^^ support.function.atomic.ebpf-asm
;                        ^^^ storage.type.ebpf-asm
;                               ^^^ variable.language.register.ebpf-asm
;                                   ^ keyword.operator.arithmetic.ebpf-asm
;                                     ^ constant.numeric.decimal.ebpf-asm
  lock *(u64 *)(r10 - 8) += r1
; ^^^^ keyword.other.lock.ebpf-asm
;        ^^^ storage.type.ebpf-asm
;                        ^^ keyword.operator.assignment.compound.ebpf-asm
;                           ^^ variable.language.register.ebpf-asm
  r1 = 0x12 ll
;      ^^^^ constant.numeric.hex.ebpf-asm
;           ^^ storage.modifier.wide.ebpf-asm
  r1 = counts ll
;      ^^^^^^ variable.other.symbol.ebpf-asm
  call bpf_map_lookup_elem
; ^^^^ keyword.control.call.ebpf-asm
;      ^^^^^^^^^^^^^^^^^^^ support.function.helper.ebpf-asm
  call 1
;      ^ constant.numeric.decimal.ebpf-asm
  call my_subprog
;      ^^^^^^^^^ entity.name.function.ebpf-asm
  callx r1
; ^^^^^ keyword.control.call.ebpf-asm
;       ^^ variable.language.register.ebpf-asm
  gotol +5
; ^^^^^ keyword.control.jump.ebpf-asm
;       ^^ constant.numeric.decimal.ebpf-asm
  may_goto +3
; ^^^^^^^^ keyword.control.jump.ebpf-asm
  goto out
; ^^^^ keyword.control.jump.ebpf-asm
;      ^^^ entity.name.label.reference.ebpf-asm
  r1 = be16 r1
;      ^^^^ keyword.other.endian.ebpf-asm
  r2 s>>= 3
;    ^^^^ keyword.operator.signed.ebpf-asm
  r2 <<= r3
;    ^^^ keyword.operator.assignment.compound.ebpf-asm
  r0 = -r0
;      ^ keyword.operator.arithmetic.ebpf-asm
;       ^^ variable.language.register.ebpf-asm
  r3 = -7 // a comment
;      ^^ constant.numeric.decimal.ebpf-asm
;         ^^^^^^^^^^^^ comment.line.double-slash.ebpf-asm
  r4 = 1 /* block */ ; trailing
;        ^^^^^^^^^^^ comment.block.ebpf-asm
;                    ^^^^^^^^^^ comment.line.semicolon.ebpf-asm
/* a block comment
   spanning lines r0 = 1 */
;  ^^^^^^^^^^^^^^^^^^^^^^^ comment.block.ebpf-asm
# hash comment
; <-------------- comment.line.number-sign.ebpf-asm
out:
  exit
; ^^^^ keyword.control.exit.ebpf-asm
