//! The views a chain call (`missing`, `early`, `shared`) takes of its steps.

use std::sync::Arc;

use crate::check::program::ChainDef;
use crate::check::types::ObjKind;
use crate::check::value::Value;
use crate::schema::Data;

struct StepView<'a> {
    value: Value<'a>,
    name: Option<&'a str>,
    date: Option<crate::date::Date>,
    actors: Vec<&'a str>,
}

fn step_views<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<StepView<'a>> {
    steps
        .iter()
        .filter_map(|s| {
            let (d, _) = s.datum()?;
            let Data::Struct(_, fields) = &d.data else {
                return None;
            };
            let text = |slot: usize| match fields.get(slot).map(|f| &f.data) {
                Some(Data::Text(t)) => Some(t.as_ref()),
                _ => None,
            };
            let date = match fields.get(chain.date_slot).map(|f| &f.data) {
                Some(Data::Date(d)) => Some(*d),
                _ => None,
            };
            let actors = match chain
                .actor_slot
                .and_then(|a| fields.get(a))
                .map(|f| &f.data)
            {
                Some(Data::Text(t)) => vec![t.as_ref()],
                Some(Data::List(items)) => items
                    .iter()
                    .filter_map(|i| match &i.data {
                        Data::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Some(StepView {
                value: s.clone(),
                name: text(chain.name_slot),
                date,
                actors,
            })
        })
        .collect()
}

pub(super) fn chain_missing<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps);
    chain
        .order
        .iter()
        .zip(&chain.required)
        .filter(|(name, required)| {
            **required && !views.iter().any(|v| v.name == Some(name.as_str()))
        })
        .map(|(name, _)| Value::text(name))
        .collect()
}

pub(super) fn chain_early<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views = step_views(chain, steps);
    let pos = |v: &StepView<'_>| v.name.and_then(|n| chain.order.iter().position(|o| o == n));
    let mut out = Vec::new();
    for s in &views {
        let (Some(sp), Some(sd)) = (pos(s), s.date) else {
            continue;
        };
        let ahead = views
            .iter()
            .find(|p| pos(p).is_some_and(|pp| pp < sp) && p.date.is_some_and(|pd| pd > sd));
        if let Some(p) = ahead {
            out.push(Value::Obj(
                ObjKind::OrderFault,
                Arc::new(vec![s.value.clone(), p.value.clone()]),
            ));
        }
    }
    out
}

pub(super) fn chain_shared<'a>(chain: &ChainDef, steps: &[Value<'a>]) -> Vec<Value<'a>> {
    let views: Vec<StepView<'a>> = step_views(chain, steps)
        .into_iter()
        .filter(|v| {
            v.name
                .is_some_and(|n| chain.distinct.iter().any(|d| d == n))
        })
        .collect();
    let mut out = Vec::new();
    let mut reported: Vec<(&str, usize)> = Vec::new();
    for (j, second) in views.iter().enumerate() {
        for first in views.iter().take(j) {
            if first.name == second.name {
                continue;
            }
            for person in &second.actors {
                if first.actors.contains(person) && !reported.contains(&(person, j)) {
                    reported.push((person, j));
                    out.push(Value::Obj(
                        ObjKind::ActorFault,
                        Arc::new(vec![
                            Value::Str(person),
                            first.value.clone(),
                            second.value.clone(),
                        ]),
                    ));
                }
            }
        }
    }
    out
}
