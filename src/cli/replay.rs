//! `replay`: a saved run through the same sinks as a live one.

use concur_tutor::render::{self, Paint};
use concur_tutor::replay::{self, Pace, Run, Stopped};
use concur_tutor::{catalogue, i18n};

use super::args::ReplayArgs;
use super::{page, Failure};

/// `replay`: a saved run through the same sinks as a live one.
pub(crate) fn run_replay(args: ReplayArgs, paint: Paint) -> Result<(), Failure> {
    let name = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|err| Failure::Usage(i18n::tr(&format!("cannot read {name}: {err}"))))?;
    let run = Run::read(&text)
        .map_err(|err| Failure::Usage(i18n::tr(&format!("{name} is not a saved run: {err}"))))?;
    if !run.unknown_kinds.is_empty() {
        let kinds = run.unknown_kinds.join(", ");
        eprintln!(
            "concur-tutor: {}",
            i18n::tr(&format!("passed over events of kinds this version does not know: {kinds}"))
        );
    }
    let lesson = run.lesson().and_then(|id| catalogue::find(id).ok());
    let title = match lesson {
        Some(lesson) => format!("concur-tutor {}: {}", lesson.id, lesson.title),
        None => format!("concur-tutor replay {name}"),
    };
    let mut sink = args.output.sinks(&title, paint.is_on()).map_err(Failure::Usage)?;
    if let (Some(lesson), false) = (lesson, args.output.json) {
        page(render::print_header(lesson, args.speed, paint))?;
    }
    let pace = Pace { speed: (!args.no_wait).then_some(args.speed), step: args.step };
    match replay::play(&run, sink.as_mut(), pace) {
        Ok(()) => {}
        Err(Stopped::Quit(quit)) => {
            eprintln!("\nconcur-tutor: {}", i18n::tr("quit at a pause"));
            return Err(Failure::Quit(quit));
        }
        Err(Stopped::Output(err)) => return page(Err(err)),
    }
    if let (Some(lesson), false) = (lesson, args.output.json) {
        page(render::print_reading(lesson, paint))?;
    }
    Ok(())
}
