//! `routes`: MOR activation after the same dose by IV, smoked, intranasal and oral use.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let hours = 8.0;
    let routes = [Route::Iv, Route::Smoked, Route::Intranasal, Route::Oral];
    let colors: Vec<Rgb> = routes.iter().map(|&r| route_color(r)).collect();
    let dashes = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::Solid];
    let x_min = Axis::linear("Time after the dose (min)", 0.0, 60.0, 10.0);
    let x_h = Axis::linear("Time after the dose (h)", 0.0, hours, 1.0);
    let y = Axis::linear("MOR activation (0-1)", 0.0, 1.0, 0.25);
    let mut top = Panel::new("First hour", x_min, y.clone());
    let mut bottom = Panel::new("First 8 hours", x_h, y);
    bottom.legend = false;
    let mut facts = Vec::new();
    for (k, &route) in routes.iter().enumerate() {
        let run = Run::new(model, &format!("10mg {}", route.name()), hours, 0.5 * MIN)?;
        let a = &run.traj.mor_activation;
        let (tp, ap) = run.peak(a, 0.0, hours);
        let label = format!(
            "{}: peak {ap:.2} at {}",
            route_label(route),
            if tp < 1.0 {
                format!("{:.0} min", tp * 60.0)
            } else {
                format!("{tp:.1} h")
            }
        );
        top.series.push(shaded(
            label,
            colors[k],
            dashes[k],
            run.line(a, 0.0, MIN, 0.0, 60.0),
        ));
        bottom.series.push(Series {
            label: None,
            color: colors[k],
            dash: dashes[k],
            weight: 1.0,
            points: run.line(a, 0.0, 1.0, 0.0, hours),
            mark: None,
        });
        let marker = Markers {
            label: None,
            color: colors[k],
            shape: Shape::Circle,
            points: vec![],
        };
        if tp <= 1.0 {
            top.markers.push(Markers {
                points: vec![(tp * 60.0, ap)],
                ..marker.clone()
            });
        }
        bottom.markers.push(Markers {
            points: vec![(tp, ap)],
            ..marker
        });
        let f = model
            .drug_index("heroin")
            .and_then(|d| model.drugs[d].route(route))
            .map_or(f64::NAN, |r| r.bioavailability);
        facts.push((route, tp, ap, f));
    }
    top.weight = 1.0;
    bottom.weight = 1.0;
    let fastest = facts
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Route::Iv, |f| f.0);
    let highest = facts
        .iter()
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map_or(Route::Iv, |f| f.0);
    let get = |r: Route| facts.iter().find(|f| f.0 == r).copied();
    let (Some(iv), Some(sm), Some(na), Some(or)) = (
        get(Route::Iv),
        get(Route::Smoked),
        get(Route::Intranasal),
        get(Route::Oral),
    ) else {
        return Err(ChartError::Render {
            reason: "a route is missing".into(),
        });
    };
    let title = if fastest == highest {
        format!(
            "Same 10 mg dose: {} is fastest and highest; swallowed, {:.0}\u{d7} lower and {:.1} h later",
            route_label(fastest),
            iv.2 / or.2,
            or.1
        )
    } else {
        format!(
            "Same 10 mg dose: {} is fastest, {} peaks highest",
            route_label(fastest),
            route_label(highest)
        )
    };
    let figure = Figure {
        title,
        subtitle: "Model of brain MOR activation after 10 mg heroin taken four ways; top: the first hour, bottom: eight hours.".into(),
        columns: vec![Column::single(vec![top, bottom])],
        footer: footer(model),
    };
    let caption = format!(
        "Brain mu-opioid receptor (MOR) activation after the same 10 mg heroin dose injected, smoked, snorted or swallowed (scenarios `10mg iv`, `10mg smoked`, `10mg intranasal`, `10mg oral`); the top panel zooms in on the first hour. \
         IV reaches its peak of {:.2} in {:.0} minutes; smoking ({:.2} at {:.0} min) and snorting ({:.2} at {:.0} min) deliver less of the dose to the blood (bioavailability {:.2} and {:.2} in the model) and a little more slowly. \
         Swallowed heroin is broken down to morphine on its first pass through gut and liver (bioavailability {:.2}), so it peaks at only {:.2}, {:.1} hours after the dose.",
        iv.2, iv.1 * 60.0, sm.2, sm.1 * 60.0, na.2, na.1 * 60.0, sm.3, na.3, or.3, or.2, or.1
    );
    Ok(Built {
        figure,
        caption,
        alt: "MOR activation over time after IV, smoked, intranasal and oral heroin".into(),
    })
}
