# SYNTAX TEST "source.ebpf-asm" "ubpf / conformance mnemonic dialect"

mov32 %r0, 0
# <----- keyword.other.mnemonic.ebpf-asm
#     ^ punctuation.definition.register.ebpf-asm
#      ^^ variable.language.register.ebpf-asm
#          ^ constant.numeric.decimal.ebpf-asm
ldxw %r1, [%r1+4]
# <---- keyword.other.mnemonic.ebpf-asm
#         ^ punctuation.section.ebpf-asm
#           ^^ variable.language.register.ebpf-asm
#             ^ keyword.operator.arithmetic.ebpf-asm
#              ^ constant.numeric.decimal.ebpf-asm
stxdw [%r10-8], %r0
# <----- keyword.other.mnemonic.ebpf-asm
#       ^^^ variable.language.register.ebpf-asm
#          ^ keyword.operator.arithmetic.ebpf-asm
#           ^ constant.numeric.decimal.ebpf-asm
jeq %r1, 0, +2
# <--- keyword.control.jump.ebpf-asm
#           ^^ constant.numeric.decimal.ebpf-asm
jne32 %r0, %r1, exit
# <----- keyword.control.jump.ebpf-asm
#               ^^^^ entity.name.label.reference.ebpf-asm
ja fail
# <-- keyword.control.jump.ebpf-asm
#  ^^^^ entity.name.label.reference.ebpf-asm
lddw %r0, 0xcccccccccccccccc
# <---- keyword.other.mnemonic.ebpf-asm
#         ^^^^^^^^^^^^^^^^^^ constant.numeric.hex.ebpf-asm
lock fetch add [%r10-8], %r1
# <---- keyword.other.lock.ebpf-asm
#    ^^^^^ keyword.other.fetch.ebpf-asm
#          ^^^ keyword.other.mnemonic.ebpf-asm
lock cmpxchg32 [%r10-8], %r1
#    ^^^^^^^^^ keyword.other.mnemonic.ebpf-asm
be16 %r0
# <---- keyword.other.mnemonic.ebpf-asm
movsx832 %r0, %r1
# <-------- keyword.other.mnemonic.ebpf-asm
mov %r1, -1
#        ^^ constant.numeric.decimal.ebpf-asm
call %r2
# <---- keyword.control.call.ebpf-asm
#     ^^ variable.language.register.ebpf-asm
call local helper
#    ^^^^^ storage.modifier.local.ebpf-asm
#          ^^^^^^ entity.name.function.ebpf-asm
exit:
# <---- entity.name.label.ebpf-asm
exit
# <---- keyword.control.exit.ebpf-asm
fail: mov %r0, 1 ; done
# <---- entity.name.label.ebpf-asm
#     ^^^ keyword.other.mnemonic.ebpf-asm
#                ^^^^^^ comment.line.semicolon.ebpf-asm
