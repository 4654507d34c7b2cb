# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for binfmtctl(1): commands, options and their values, targets (QEMU names,
# aliases, OCI architectures and platforms, all) as binfmtctl itself lists them, and file names
# for which.

# The names binfmtctl accepts as targets, from its own table (binfmtctl list): every column but
# the family and the interpreter.
_binfmtctl_targets() {
    "${1:-binfmtctl}" list 2>/dev/null | awk 'NR > 1 {
        print $1
        n = split($3, p, ","); for (i = 1; i <= n; i++) if (p[i] != "-") print p[i]
        n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] != "-") print o[i]
    }'
}

_binfmtctl() {
    local cur prev words cword
    _init_completion -s || return

    local commands="install uninstall status list plan which verify reload wait exec"
    local options="-h --help --version --mount= --interpreter-dir= --flags= --force --json
                   --format= --require= --timeout= --socket= --direct --platform= --user"

    case $prev in
        --mount | --interpreter-dir)
            _filedir -d
            return
            ;;
        --socket)
            _filedir
            return
            ;;
        --format)
            COMPREPLY=($(compgen -W "text json openmetrics" -- "$cur"))
            return
            ;;
        --flags)
            COMPREPLY=($(compgen -W "P O C PO PC OC POC" -- "$cur"))
            return
            ;;
        --require | --platform)
            COMPREPLY=($(compgen -W "$(_binfmtctl_targets "${words[0]}" | grep /)" -- "$cur"))
            return
            ;;
        --timeout)
            return
            ;;
    esac
    [[ $split == true ]] && return

    # The command, if one was given already.
    local i verb=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --mount | --interpreter-dir | --socket | --format | --flags | --require | --timeout | --platform)
                ((i++))
                ;;
            -*) ;;
            *)
                verb=${words[i]}
                break
                ;;
        esac
    done

    # exec: after "--", the command and its arguments, as bash completes commands.
    if [[ $verb == exec ]]; then
        for ((i = 1; i < cword; i++)); do
            if [[ ${words[i]} == -- ]]; then
                _command_offset $((i + 1))
                return
            fi
        done
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi

    case $verb in
        '')
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            ;;
        install | plan | verify)
            COMPREPLY=($(compgen -W "$(_binfmtctl_targets "${words[0]}") all" -- "$cur"))
            ;;
        uninstall)
            COMPREPLY=($(compgen -W "$(_binfmtctl_targets "${words[0]}") all" -- "$cur"))
            ;;
        which)
            _filedir
            ;;
    esac
} && complete -F _binfmtctl binfmtctl
