//! The shell completion scripts and the manual page: the bash script, sourced
//! in a real bash, completes subcommands, options, their values and lesson
//! ids; the manual has every section a reader looks for.

mod common;

use std::process::Command;

use common::bin;
use concur_tutor::catalogue;

fn stdout_of(args: &[&str]) -> String {
    let output = bin().args(args).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

/// What bash offers for `line` (the cursor at its end), with the script
/// sourced as bash-completion would, and the completion function called the
/// way bash calls it.
fn bash_completes(script: &str, line: &str) -> Vec<String> {
    let driver = r#"
source "$1"
line="$2"
read -ra COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$line"; COMP_POINT=${#line}
function=$(complete -p concur-tutor | sed -E 's/.*-F ([^ ]+).*/\1/')
"$function" concur-tutor "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let output = Command::new("bash").args(["-c", driver, "bash", script, line]).output().expect("bash");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_past_the_first_word() {
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/concur-tutor.bash");
    std::fs::write(path, stdout_of(&["completions", "bash"])).unwrap();
    assert_eq!(bash_completes(path, "concur-tutor lesson jo"), ["join-daemon"]);
    assert_eq!(bash_completes(path, "concur-tutor quiz dead"), ["deadlock"]);
    assert_eq!(bash_completes(path, "concur-tutor lesson join-daemon --sp"), ["--speed"]);
    assert_eq!(bash_completes(path, "concur-tutor lesson join-daemon --theme l"), ["light"]);
    assert_eq!(bash_completes(path, "concur-tutor l"), ["list", "lesson"]);
    let shown = bash_completes(path, "concur-tutor show ");
    for lesson in catalogue::all() {
        assert!(shown.contains(&lesson.id), "{} not offered: {shown:?}", lesson.id);
    }
}

#[test]
fn zsh_and_fish_offer_the_lesson_ids() {
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for lesson in catalogue::all() {
            assert!(script.contains(lesson.id.as_str()), "{shell}: no {}", lesson.id);
        }
    }
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains(r#"using_subcommand lesson" -f -a "join-daemon""#), "{fish}");
}

#[test]
fn the_manual_has_what_a_reader_looks_for() {
    // roff writes a hyphen as `\-`.
    let page = stdout_of(&["man"]).replace("\\-", "-");
    for section in [
        "NAME",
        "SYNOPSIS",
        "GLOBAL OPTIONS",
        "COMMANDS",
        "KEYS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
    ] {
        assert!(
            page.contains(&format!(".SH \"{section}\"")) || page.contains(&format!(".SH {section}")),
            "no {section}"
        );
    }
    // The lesson's options, the keys, the environment, the file.
    for needle in [
        "speed",
        "scene",
        "step",
        "predict",
        "brief",
        "svg",
        "Ctrl-C",
        "Space",
        "NO_COLOR",
        "XDG_STATE_HOME",
        "PAGER",
        "COLUMNS",
        "LC_ALL",
        "progress.json",
        "130",
    ] {
        assert!(page.contains(needle), "the manual does not mention {needle}");
    }
    // No page is referred to that does not exist (clap_mangen's concur-tutor-lesson(1)…).
    assert!(!page.contains("(1)"), "a reference to another page");
}
