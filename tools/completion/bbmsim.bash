# SPDX-License-Identifier: GPL-2.0-only
# bash completion for bbmsim: commands, each command's options, level names,
# formats, and files (scenarios: *.yaml; litmus: *.litmus and directories).
_bbmsim()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run compare test ptdump litmus explore merge --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--variant) COMPREPLY=($(compgen -W "vmsa vmsa,ets2" -- "$cur")); return ;;
	--bbm) COMPREPLY=($(compgen -W "0 1 2 2-noabort" -- "$cur")); return ;;
	--levels) COMPREPLY=($(compgen -W "0,1,2,2-noabort 0 1 2 2-noabort" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "table markdown json" -- "$cur")); return ;;
	--trace-format) COMPREPLY=($(compgen -W "text jsonl perfetto" -- "$cur")); return ;;
	--strategy) COMPREPLY=($(compgen -W "random pct exhaustive preempt" -- "$cur")); return ;;
	--state-hash) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
	--windows) COMPREPLY=($(compgen -W "grouped all" -- "$cur")); return ;;
	--trace|--junit|--kinds|--html|--schedule|--out) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--seed|--max-insns|--quantum|--max-execs|--tree|-j|--at-tick|--budget|--time|--depth|--bound|--preemptions|--minimize|--shard|--trace-pes|--trace-va|--trace-events|--trace-ticks) return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		case $cmd in
		run) opts="--bbm --seed --max-insns --quantum --json -v --verbose --windows --progress --trace --trace-format --trace-pes --trace-va --trace-events --trace-ticks --schedule --html --help" ;;
		compare) opts="--levels --format --json --seed --max-insns --quantum --windows --progress --trace --trace-format --trace-pes --trace-va --trace-events --trace-ticks --html --help" ;;
		test) opts="-j --shard --junit --help" ;;
		ptdump) opts="--tree --at-tick --tlb --bbm --help" ;;
		litmus) opts="--kinds --variant --max-execs -v --help" ;;
		explore) opts="--bbm --budget --time --strategy --seed --depth --bound --state-hash --preemptions --minimize -j --shard --out --json --help" ;;
		*) opts="--help" ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	litmus) COMPREPLY=($(compgen -f -X '!*.litmus' -- "$cur") $(compgen -d -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -o filenames -F _bbmsim bbmsim
