# bash completion for hostmem. Installed as /usr/share/bash-completion/completions/hostmem; to try it from a checkout:
#   source packaging/hostmem.bash
# hostmem answers itself ('hostmem complete -- WORD...', hidden): commands, options and their values come from the
# binary being completed, so they always match it, and after '--' host-mem-type= and host-nodes= complete to the memory
# types and to this host's nodes with memory (or those of the --sysfs tree on the line). No answer: file names.
_hostmem()
{
    local line=${COMP_LINE:0:COMP_POINT} words=() cur full strip candidate
    # Whole words split at blanks: bash's COMP_WORDS also splits at '=' and ':' (COMP_WORDBREAKS), which would cut
    # 'host-mem-type=cxl-ram' and '--format=json' in two.
    read -ra words <<< "$line"
    [[ -z $line || $line == *[[:blank:]] ]] && words+=("")
    cur=${COMP_WORDS[COMP_CWORD]}
    full=${words[${#words[@]} - 1]}
    strip=$(( ${#full} - ${#cur} ))          # what bash's current word leaves out of the whole word
    COMPREPLY=()
    local IFS=$'\n'
    for candidate in $("$1" complete -- "${words[@]:1}" 2>/dev/null); do
        COMPREPLY+=("${candidate:strip}")
    done
    if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
        compopt -o default 2>/dev/null      # --sysfs DIR, DOMAIN.xml, --qmp SOCKET: let bash complete file names
    elif [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null      # '--format=' or 'host-mem-type=': the value comes next
    fi
}
complete -F _hostmem hostmem
