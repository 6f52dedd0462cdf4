//! concur-tutor teaches concurrency by running it: real `fork`, pipes, locks and
//! threads, narrated lane by lane, each lesson mirroring a Python
//! `multiprocessing` or `threading` idiom.
//!
//! - [`catalogue`]: the lesson data (titles, scenes, the Python idioms).
//! - [`stage`]: the narrated run: lanes, events, the clock, processes, cleanup.
//! - [`lessons`]: the code of each lesson, written like the Python it mirrors.
//! - [`render`]: human text, NDJSON, the timeline and its SVG, and the pages.
//! - [`timeline`]: which lane ran, slept or waited when, read from the events.
//! - [`explore`]: every interleaving of a small program, and the learner as the scheduler.
//! - [`trace`]: a learner's own Python program, observed, and its hangs diagnosed.
//! - [`procfs`]: what `/proc` shows of a process, for the watchdogs.
//! - [`i18n`]: the tutor's words in Chinese.

pub mod catalogue;
pub mod events;
pub mod explore;
pub mod i18n;
pub mod lang;
pub mod lessons;
pub mod manual;
pub mod menu;
pub mod output;
pub mod practice;
pub mod procfs;
pub mod progress;
pub mod quiz;
pub mod render;
pub mod replay;
pub mod stage;
pub mod terminal;
pub mod text;
pub mod timeline;
pub mod trace;
