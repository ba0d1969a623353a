# fish completion for sendletter. Install: copy to
# ~/.config/fish/completions/ or /usr/local/share/fish/vendor_completions.d/.

complete -c sendletter -s e -l eval -r -d 'Evaluate the forms in EXPR before the script'
complete -c sendletter -l sink -r -a '(__fish_complete_directories)' -d 'Dry run: write every delivery into DIR'
complete -c sendletter -l connect-to -r -d 'Connect to H2:P2 where the script names H:P'
complete -c sendletter -l read-only -d 'Reading mail changes nothing on the server'
complete -c sendletter -s v -l verbose -d 'Trace SMTP on stderr'
complete -c sendletter -l dkim -r -d 'DKIM-sign: DOMAIN SELECTOR KEY-FILE'
complete -c sendletter -l dkim-config -r -F -d 'DKIM entries from FILE'
complete -c sendletter -l check -d 'Check the script without running it'
complete -c sendletter -l no-check -d 'No findings on stderr before running'
complete -c sendletter -s h -l help -d 'Print the help'
complete -c sendletter -s V -l version -d 'Print the version'
complete -c sendletter -a '(__fish_complete_suffix .lisp)'
