# bash completion for sendletter                      -*- shell-script -*-
# Install: copy to /usr/local/share/bash-completion/completions/sendletter
# (or ~/.local/share/bash-completion/completions/sendletter).

_sendletter() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local opts="-e --eval --sink --connect-to --read-only -v --verbose --dkim
        --dkim-config --check --no-check -h --help -V --version --"

    # Everything after the script belongs to the script.
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -e|--eval|--sink|--connect-to|--dkim|--dkim-config) ((i++)) ;;
            --) return 0 ;;
            -*) ;;
            *) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        esac
    done

    case $prev in
        --sink) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        --dkim-config) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        -e|--eval|--connect-to|--dkim) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -X '!*.lisp' -- "$cur") $(compgen -d -- "$cur"))
    fi
}
complete -o filenames -F _sendletter sendletter
