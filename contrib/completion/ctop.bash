# bash completion for ctop. Source it from ~/.bashrc, or copy it to
# /usr/share/bash-completion/completions/ctop (or ~/.local/share/bash-completion/completions/ctop).
# ctop answers its own completions through System.CommandLine's [suggest:POSITION] directive, so the
# suggestions always match the installed version; no dotnet-suggest needed.
_ctop() {
    local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n'
    local candidates
    candidates=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) || return 0
    # The directive lists every name that fits the position; compgen keeps those that start with the word.
    COMPREPLY=($(compgen -W "${candidates}" -- "${cur}"))
}
complete -o default -F _ctop ctop
