//! `trace`: the learner's own Python program as a source, or one of ours to try.

use concur_tutor::i18n;
use concur_tutor::render::Paint;

use super::args::TraceArgs;
use super::Failure;

/// `trace`: the learner's own program (or `--example`).
pub(crate) fn run_trace(args: TraceArgs, paint: Paint) -> Result<(), Failure> {
    use concur_tutor::trace::{self, examples};
    let usage = |text: String| Failure::Usage(i18n::tr(&text));
    if let Some(name) = &args.example {
        if name == "list" {
            for e in examples::ALL {
                println!("  {:<18} {:<22} {}", e.name, e.file, i18n::tr(e.about));
            }
            return Ok(());
        }
        let example = examples::find(name).map_err(usage)?;
        examples::write(example, std::path::Path::new("."))
            .map_err(|err| usage(format!("cannot write {}: {err}", example.file)))?;
        println!(
            "{}",
            i18n::tr(&format!("wrote {}: trace it with: concur-tutor trace {}", example.file, example.file))
        );
        return Ok(());
    }
    let mut command = args.command.into_iter();
    let target = match args.module {
        Some(module) => trace::Target::Module(module),
        None => match command.next() {
            Some(script) if std::path::Path::new(&script).is_file() => trace::Target::Script(script.into()),
            Some(script) => return Err(usage(format!("no such script: {}", script.to_string_lossy()))),
            None => return Err(usage("name a script to trace (or -m MODULE, or --example list)".into())),
        },
    };
    let python = trace::find_python(args.python.as_deref()).map_err(usage)?;
    let mut sink = args.output.sinks("concur-tutor trace", paint.is_on()).map_err(Failure::Usage)?;
    let options = trace::Options {
        target,
        args: command.collect(),
        python,
        hang_after: args.hang_after,
        keep_waiting: args.keep_waiting,
        stdin: true,
        every_lock: false,
        limit: None,
    };
    match trace::run(&options, sink.as_mut()) {
        Ok(outcome) => std::process::exit(outcome.exit_code()),
        Err(err) if err.is::<trace::Closed>() => std::process::exit(0),
        Err(err) => Err(Failure::Run(err)),
    }
}
