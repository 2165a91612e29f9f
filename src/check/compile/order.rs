//! Rule order: each rule after the rules whose findings it asks for.

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use super::Compiler;
use crate::check::program::*;
use crate::diag::Diagnostic;
use crate::source::Span;

impl<'a> Compiler<'a> {
    /// Order rules so that each runs after the rules whose findings it asks
    /// for; a cycle is an error naming the rules in it.
    pub(in crate::check) fn order(
        &mut self,
        rules: &mut [Rule],
        queries: &[Vec<(String, Span)>],
    ) -> Vec<usize> {
        let mut graph: DiGraphMap<usize, ()> = DiGraphMap::new();
        for i in 0..rules.len() {
            graph.add_node(i);
        }
        for (i, qs) in queries.iter().enumerate() {
            let mut deps = Vec::new();
            for (pattern, _) in qs {
                for (j, other) in rules.iter().enumerate() {
                    if pattern_matches(pattern, &other.id) {
                        graph.add_edge(j, i, ());
                        deps.push(j);
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            if let Some(r) = rules.get_mut(i) {
                r.deps = deps;
            }
        }
        // tarjan_scc yields components in reverse topological order.
        let mut order = Vec::new();
        for comp in tarjan_scc(&graph).into_iter().rev() {
            let cyclic = comp.len() > 1 || comp.first().is_some_and(|&n| graph.contains_edge(n, n));
            if cyclic {
                let mut comp = comp.clone();
                comp.sort_unstable();
                let names: Vec<String> = comp
                    .iter()
                    .filter_map(|&i| rules.get(i))
                    .map(|r| format!("`{}`", r.id))
                    .collect();
                let Some(first) = comp.first().and_then(|&i| rules.get(i)) else {
                    continue;
                };
                let mut d = Diagnostic::error(
                    first.id_span,
                    format!(
                        "rules {} ask for each other's findings, so none can run first",
                        names.join(" and ")
                    ),
                )
                .with_help(
                    "break the cycle: one of these rules must not query the other's findings",
                );
                for &i in &comp {
                    if let (Some(rule), Some(qs)) = (rules.get(i), queries.get(i)) {
                        d = d.with_related(
                            rule.id_span,
                            format!("rule `{}` is declared here", rule.id),
                        );
                        for (pattern, span) in qs {
                            let hits: Vec<&str> = comp
                                .iter()
                                .filter_map(|&j| rules.get(j))
                                .filter(|o| pattern_matches(pattern, &o.id))
                                .map(|o| o.id.as_str())
                                .collect();
                            if !hits.is_empty() {
                                d = d.with_related(
                                    *span,
                                    format!(
                                        "`{}` asks for the findings of {}",
                                        rule.id,
                                        hits.join(", ")
                                    ),
                                );
                            }
                        }
                    }
                }
                self.err(d);
                continue;
            }
            order.extend(comp);
        }
        order
    }
}
