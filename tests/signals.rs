//! Lesson signals, asserted on its `--json` trace: handlers and default
//! actions, SIGTERM cleaned up after and SIGKILL not, a zombie seen in /proc
//! before the join reaps it, a sleep cut short.

mod common;

use common::lesson;

#[test]
fn a_handler_catches_sigusr1_and_without_one_it_kills() {
    let s = lesson("signals").scene(1);
    assert_eq!(
        s.lines_of("a"),
        ["handler: got signal 10"; 3].iter().chain(&["listener done"]).copied().collect::<Vec<_>>()
    );
    assert_eq!(s.exit_of("a").1["code"], 0);
    assert_eq!(s.exit_of("b").1["signal"], "SIGUSR1");
    assert!(!s.ever_said("b", "bystander done"));
    assert_eq!(s.lines_of("main"), ["a.exitcode 0 b.exitcode -10"]);
}

#[test]
fn the_sigtermed_child_cleans_up_and_the_sigkilled_one_never_does() {
    let s = lesson("signals").scene(2);
    assert_eq!(s.lines_of("a"), ["a working", "a: cleanup"]);
    assert_eq!(s.lines_of("b"), ["b working"]);
    assert_eq!(s.exit_of("b").1["signal"], "SIGKILL");
    assert_eq!(s.lines_of("main"), ["a.exitcode 0 b.exitcode -9"]);
}

#[test]
fn the_child_is_a_zombie_until_the_join_reaps_it() {
    let s = lesson("signals").scene(3);
    let done = s.said("p", "child: done");
    let sigchld = s.said("main", "SIGCHLD: a child has exited");
    let zombie = s.said("main", "state: Z");
    let joined = s
        .pos("the join", |e| e["kind"] == "state" && e["lane"] == "main" && e["text"] == "p.join() returned");
    let after = s.said("main", "after join: False");
    assert!(done < sigchld && sigchld < zombie && zombie < joined && joined < after);
}

#[test]
fn a_signal_cuts_both_sleeps_short_and_one_sleeps_the_rest() {
    let s = lesson("signals").scene(4);
    let lines = s.lines_of("patient");
    assert_eq!(lines[0], "patient: handler ran");
    let slept: f64 =
        lines[1].strip_prefix("patient: slept ").unwrap().trim_end_matches(" s").parse().unwrap();
    let cut = s.lines_of("impatient");
    let after: f64 = cut[0]
        .strip_prefix("impatient: sleep cut short after ")
        .unwrap()
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!(after < slept && slept >= 2.9, "{cut:?} {lines:?}");
    let short = s.pos("impatient's line", |e| e["lane"] == "impatient" && e["kind"] == "say");
    assert!(short < s.pos("patient's last line", |e| e["lane"] == "patient" && e["text"] == lines[1]));
}
