/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The native side of the machine: which table entry the running program is built for, which one
 * the kernel reports, and from both which QEMU families must never be registered.
 *
 * This module owns the normalisation of uname -m strings and the "is this target native" rule.
 * It must not read anything itself (no uname(), no /proc/self/exe): the caller hands in both
 * facts, which keeps it testable for every host on any host. Both are consulted because neither
 * is enough alone: uname -m says "mips64" on either endianness and "aarch64" under a 32-bit
 * userland, and the executable's header says nothing about what else the kernel runs natively.
 */

#include <elf.h>

#include "target/host.h"
#include "base/macro.h"

/*
 * uname -m spellings that are not QEMU target names. Beyond the kernel's own names this covers
 * the distribution spellings QEMU's script accepts in HOST_ARCH, and hosts QEMU's script does not
 * know at all (parisc, openrisc): for those, an unknown host would mean registering the host's own
 * architecture, so they map to the target the kernel runs natively.
 */
/* clang-format off */
static const struct {
        const char *machine;
        const char *arch;
} machine_aliases[] = {
        { "amd64", "x86_64" },
        { "arm64", "aarch64" },
        { "armel", "arm" },
        { "armhf", "arm" },
        { "powerpc", "ppc" },
        { "powerpc64", "ppc64" },
        { "powerpc64le", "ppc64le" },
        { "ppc64el", "ppc64le" },
        { "parisc", "hppa" },
        { "parisc64", "hppa" },
        { "openrisc", "or1k" },
        { "sh4a", "sh4" },
        { "sh4aeb", "sh4eb" },
        { "crisv32", "cris" },
};
/* clang-format on */

const BinfmtArch *host_arch_from_machine(const char *machine)
{
        size_t len;

        if (!machine)
                return NULL;
        len = strlen(machine);

        /* i386 ... i686 */
        if (len == 4 && machine[0] == 'i' && machine[1] >= '3' && machine[1] <= '6' &&
            machine[2] == '8' && machine[3] == '6')
                return arch_by_name("i386");

        /* armv4* ... armv9*: the last letter is the byte order ("armv7l", "armv5tel", "armv7b"). */
        if (len > 5 && startswith(machine, "armv") && machine[4] >= '4' && machine[4] <= '9') {
                if (machine[len - 1] == 'l')
                        return arch_by_name("arm");
                if (machine[len - 1] == 'b')
                        return arch_by_name("armeb");
                return NULL;
        }

        for (size_t i = 0; i < ELEMENTSOF(machine_aliases); i++)
                if (streq(machine, machine_aliases[i].machine))
                        return arch_by_name(machine_aliases[i].arch);

        /* Everything else is spelled as QEMU spells it: "x86_64", "aarch64", "mips64", "s390x". */
        return arch_by_name(machine);
}

int host_detect(const char *uname_machine, const uint8_t *self_hdr, size_t len, HostInfo *ret)
{
        HostInfo h = {};
        size_t need;

        if (!uname_machine || !ret)
                return -EINVAL;
        if (strlen(uname_machine) >= sizeof(h.machine))
                return -EINVAL;

        if (!self_hdr || len < EI_NIDENT || memcmp(self_hdr, ELFMAG, SELFMAG) != 0)
                return -EINVAL;
        h.elf_class = self_hdr[EI_CLASS];
        h.elf_data = self_hdr[EI_DATA];
        if (h.elf_class == ELFCLASS32)
                need = sizeof(Elf32_Ehdr);
        else if (h.elf_class == ELFCLASS64)
                need = sizeof(Elf64_Ehdr);
        else
                return -EINVAL;
        if (len < need)
                return -EINVAL;

        /* e_machine sits at the same offset in both classes. */
        if (h.elf_data == ELFDATA2LSB)
                h.e_machine = self_hdr[18] | self_hdr[19] << 8;
        else if (h.elf_data == ELFDATA2MSB)
                h.e_machine = self_hdr[18] << 8 | self_hdr[19];
        else
                return -EINVAL;

        strcpy(h.machine, uname_machine);
        h.arch = arch_find_by_header(self_hdr, len);
        h.kernel_arch = host_arch_from_machine(uname_machine);

        /* Knowing neither must stop the caller: skipping no family would hijack native programs. */
        if (!h.arch && !h.kernel_arch)
                return -EOPNOTSUPP;

        *ret = h;
        return 0;
}

bool host_in_native_family(const HostInfo *h, const BinfmtArch *a)
{
        if (!a)
                return false;
        /* Without host information nothing is safe to register: count everything as native. */
        if (!h)
                return true;

        return (h->arch && streq(h->arch->family, a->family)) ||
               (h->kernel_arch && streq(h->kernel_arch->family, a->family));
}

bool host_is_native(const HostInfo *h, const BinfmtArch *a)
{
        if (!host_in_native_family(h, a))
                return false;
        if (!h || arch_same(h->arch, a))
                return true;
        for (size_t i = 0; i < h->n_emulated; i++)
                if (arch_same(h->emulated[i], a))
                        return false;
        return true;
}

void host_set_emulated(HostInfo *h, const BinfmtArch *a)
{
        if (!h || !a || arch_same(h->arch, a) || !host_in_native_family(h, a))
                return;
        for (size_t i = 0; i < h->n_emulated; i++)
                if (arch_same(h->emulated[i], a))
                        return;
        if (h->n_emulated < HOST_EMULATED_MAX)
                h->emulated[h->n_emulated++] = a;
}
