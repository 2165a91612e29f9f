//! One value against its field type: scalars (text, numbers, amounts,
//! dates, days, booleans), enum members, ids, lists and nested structures.

use super::Validator;
use crate::date::{Date, DateError};
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::records::tree::{Node, NodeKind};
use crate::schema::{Data, Datum, FieldTy, FieldTy0};
use crate::suggest::closest;

impl Validator<'_> {
    pub(super) fn value(&mut self, ty: &FieldTy, node: &Node, field: &str) -> Option<Datum> {
        let schema = self.schema;
        let expected = |what: &str| {
            Diagnostic::error(
                node.span,
                format!("`{field}` must be {what}, found {}", found(node)),
            )
        };
        let data = match ty {
            FieldTy::Scalar(s) => {
                let Some(text) = node.as_str() else {
                    self.errors
                        .push(expected(scalar_article(*s)).with_help(scalar_help(*s)));
                    return None;
                };
                let plain = matches!(node.kind, NodeKind::Scalar { plain: true, .. });
                match s {
                    FieldTy0::Text => self.scratch.texts.data(text),
                    FieldTy0::Number
                    | FieldTy0::Money
                    | FieldTy0::SignedMoney
                    | FieldTy0::Ordinal
                    | FieldTy0::Whole => {
                        let whole =
                            |n: &Num| *s != FieldTy0::Whole || (n.is_integer() && *n >= Num::ZERO);
                        match Num::parse_decimal(text).filter(|n| plain && whole(n)) {
                            Some(n) if *s == FieldTy0::Money && n < Num::int(0) => {
                                self.errors.push(
                                    Diagnostic::error(
                                        node.span,
                                        format!("`{field}` is `{text}`, a negative amount"),
                                    )
                                    .with_help(
                                        "amounts are never negative; a field that may be negative \
                                         is declared `signed_money` in the schema",
                                    ),
                                );
                                return None;
                            }
                            Some(n)
                                if *s == FieldTy0::Ordinal
                                    && !(n.is_integer() && n > Num::int(0)) =>
                            {
                                self.errors.push(
                                    Diagnostic::error(
                                        node.span,
                                        format!(
                                            "`{field}` is `{text}`, not a positive whole number"
                                        ),
                                    )
                                    .with_help(scalar_help(*s)),
                                );
                                return None;
                            }
                            Some(n) => Data::num_of(n),
                            None => {
                                let too_big = plain
                                    && text.len() > 30
                                    && text.bytes().all(|b| b.is_ascii_digit());
                                let d = if too_big {
                                    Diagnostic::error(
                                        node.span,
                                        format!(
                                            "`{field}` is too large: numbers have at most 30 digits"
                                        ),
                                    )
                                } else {
                                    expected(scalar_article(*s))
                                };
                                self.errors.push(d.with_help(scalar_help(*s)));
                                return None;
                            }
                        }
                    }
                    FieldTy0::Days => match text.parse::<i64>().ok().filter(|_| plain) {
                        Some(n) => Data::Days(n),
                        None => {
                            self.errors
                                .push(expected(scalar_article(*s)).with_help(scalar_help(*s)));
                            return None;
                        }
                    },
                    FieldTy0::Bool => match (plain, text) {
                        (true, "true" | "True" | "TRUE") => Data::Bool(true),
                        (true, "false" | "False" | "FALSE") => Data::Bool(false),
                        _ => {
                            self.errors
                                .push(expected("`true` or `false`").with_help(scalar_help(*s)));
                            return None;
                        }
                    },
                    FieldTy0::Date => match Date::parse(text) {
                        Ok(d) => Data::Date(d),
                        Err(DateError::Format) => {
                            self.errors.push(
                                expected("a date")
                                    .with_help("write dates as `YYYY-MM-DD`, e.g. `2014-07-18`"),
                            );
                            return None;
                        }
                        Err(DateError::NoSuchDay) => {
                            self.errors.push(
                                Diagnostic::error(
                                    node.span,
                                    format!("`{field}` is `{text}`, a day that does not exist"),
                                )
                                .with_help("check the month and day: months have 28 to 31 days"),
                            );
                            return None;
                        }
                    },
                }
            }
            FieldTy::Enum(e) => {
                let def = schema.enums.get(*e)?;
                match node.as_str() {
                    Some(text) if def.members.iter().any(|m| m == text) => {
                        self.scratch.texts.data(text)
                    }
                    other => {
                        let help = match other
                            .and_then(|t| closest(t, def.members.iter().map(String::as_str)))
                        {
                            Some(s) => format!(
                                "did you mean `{s}`? `{field}` is one of {}",
                                def.members.join(", ")
                            ),
                            None => format!("`{field}` is one of {}", def.members.join(", ")),
                        };
                        let msg = match other {
                            Some(t) => format!("`{t}` is not a valid `{field}` ({})", def.name),
                            None => format!(
                                "`{field}` must be one of the values of `{}`, found {}",
                                def.name,
                                found(node)
                            ),
                        };
                        self.errors
                            .push(Diagnostic::error(node.span, msg).with_help(help));
                        return None;
                    }
                }
            }
            FieldTy::Tag(_) | FieldTy::Ref(_) => match node.as_str() {
                Some(t) => self.scratch.texts.data(t),
                None => {
                    self.errors.push(expected("an id (text)"));
                    return None;
                }
            },
            FieldTy::Key(k) => return self.value(&k.base, node, field),
            FieldTy::List(inner) | FieldTy::OneOrList(inner) => match &node.kind {
                NodeKind::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    let mut ok = true;
                    for item in items {
                        match self.value(inner, item, field) {
                            Some(d) => out.push(d),
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Data::list(out)
                }
                // One value written alone is held as itself, not in a
                // list of one: half the data, and no allocation, for the
                // actor of every step. Rules read it as a list of one.
                NodeKind::Scalar { .. } if matches!(ty, FieldTy::OneOrList(_)) => {
                    return self.value(inner, node, field);
                }
                _ => {
                    self.errors
                        .push(expected("a list").with_help(format!(
                            "write `{field}: [a, b]` or one `- item` per line"
                        )));
                    return None;
                }
            },
            FieldTy::Struct(s) => return self.structure(*s, node, false),
        };
        Some(Datum::new(data))
    }
}

fn found(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar { text, .. } => format!("`{text}`"),
        _ => node.describe().to_string(),
    }
}

fn scalar_article(s: FieldTy0) -> &'static str {
    match s {
        FieldTy0::Text => "text",
        FieldTy0::Number => "a number",
        FieldTy0::Whole => "a whole number, zero or more",
        FieldTy0::Money => "an amount in yuan",
        FieldTy0::SignedMoney => "an amount in yuan",
        FieldTy0::Ordinal => "a positive whole number",
        FieldTy0::Date => "a date",
        FieldTy0::Days => "a whole number of days",
        FieldTy0::Bool => "`true` or `false`",
    }
}

fn scalar_help(s: FieldTy0) -> &'static str {
    match s {
        FieldTy0::Text => "write the text on one line, quoted if it contains `:` or `#`",
        FieldTy0::Number => "write a plain number without quotes, e.g. `3`",
        FieldTy0::Whole => "write a whole number without quotes or sign, e.g. `15`",
        FieldTy0::Money | FieldTy0::SignedMoney => {
            "write the amount in yuan as a plain number without quotes or units, e.g. `1200000`"
        }
        FieldTy0::Ordinal => "write a whole number from 1 up without quotes, e.g. `3`",
        FieldTy0::Date => "write dates as `YYYY-MM-DD`, e.g. `2014-07-18`",
        FieldTy0::Days => "write a whole number without quotes, e.g. `30`",
        FieldTy0::Bool => "write `true` or `false` without quotes",
    }
}
