//! Does a WHERE clause bound an UPDATE or DELETE? Not when it names no
//! column (`WHERE 1=1`), and not when it is true whatever the row holds
//! (`WHERE id = 1 OR 1=1`, `WHERE id = id`, `WHERE true OR x`): the
//! constant parts are evaluated, columns are unknown.

use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value, Visit, Visitor};
use std::ops::ControlFlow;

/// Three-valued truth of a condition over unknown rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

/// A WHERE bounds the rows it touches.
pub(super) fn bounded(selection: Option<&Expr>) -> bool {
    let Some(e) = selection else { return false };
    has_column(e) && truth(e) != Truth::True
}

fn has_column(e: &Expr) -> bool {
    struct HasColumn(bool);
    impl Visitor for HasColumn {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = HasColumn(false);
    let _ = e.visit(&mut v);
    v.0
}

/// A literal's value as text for comparisons, when it is a constant.
fn constant(e: &Expr) -> Option<String> {
    match e {
        Expr::Nested(x) => constant(x),
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.trim_start_matches('+').to_string()),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(format!("'{s}'")),
            Value::Boolean(b) => Some(if *b { "1" } else { "0" }.to_string()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => constant(expr).map(|c| format!("-{c}")),
        _ => None,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim_matches('\'').parse().ok()
}

fn truth(e: &Expr) -> Truth {
    use Truth::*;
    match e {
        Expr::Nested(x) => truth(x),
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => {
                if *b {
                    True
                } else {
                    False
                }
            }
            // MySQL: a non-zero number is true.
            Value::Number(n, _) => match n.parse::<f64>() {
                Ok(x) if x != 0.0 => True,
                Ok(_) => False,
                Err(_) => Unknown,
            },
            Value::Null => False,
            _ => Unknown,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => match truth(expr) {
            True => False,
            False => True,
            Unknown => Unknown,
        },
        Expr::IsTrue(x) => truth(x),
        Expr::IsNotFalse(x) => match truth(x) {
            False => False,
            True => True,
            Unknown => Unknown,
        },
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And => match (truth(left), truth(right)) {
                (True, True) => True,
                (False, _) | (_, False) => False,
                _ => Unknown,
            },
            BinaryOperator::Or => match (truth(left), truth(right)) {
                (True, _) | (_, True) => True,
                (False, False) => False,
                _ => Unknown,
            },
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::Spaceship => compare(left, op, right),
            _ => Unknown,
        },
        Expr::Between {
            expr,
            negated: false,
            low,
            high,
        } if expr.to_string() == low.to_string() && expr.to_string() == high.to_string() => True,
        _ => Unknown,
    }
}

fn compare(left: &Expr, op: &BinaryOperator, right: &Expr) -> Truth {
    use Truth::*;
    let reflexive = matches!(
        op,
        BinaryOperator::Eq | BinaryOperator::LtEq | BinaryOperator::GtEq | BinaryOperator::Spaceship
    );
    // `x = x` holds for every row where x is not NULL: treat it as true.
    if left.to_string() == right.to_string() && constant(left).is_none() {
        return if reflexive { True } else { False };
    }
    let (Some(a), Some(b)) = (constant(left), constant(right)) else {
        return Unknown;
    };
    let ord = match (number(&a), number(&b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(a.cmp(&b)),
    };
    let Some(ord) = ord else { return Unknown };
    let holds = match op {
        BinaryOperator::Eq | BinaryOperator::Spaceship => ord.is_eq(),
        BinaryOperator::NotEq => !ord.is_eq(),
        BinaryOperator::Lt => ord.is_lt(),
        BinaryOperator::LtEq => ord.is_le(),
        BinaryOperator::Gt => ord.is_gt(),
        BinaryOperator::GtEq => ord.is_ge(),
        _ => return Unknown,
    };
    if holds { True } else { False }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;

    fn where_of(cond: &str) -> Expr {
        Parser::new(&MySqlDialect {})
            .try_with_sql(cond)
            .and_then(|mut p| p.parse_expr())
            .unwrap()
    }

    #[test]
    fn tautologies_do_not_bound() {
        for c in [
            "1 = 1",
            "true",
            "id = 1 OR 1=1",
            "id = 1 OR 1=1 AND 1",
            "id = id",
            "(id > 5) OR NOT (2 > 3)",
            "'a' = 'a' OR x = 2",
            "x <=> x",
        ] {
            assert!(!bounded(Some(&where_of(c))), "{c}");
        }
        for c in [
            "id = 1",
            "id = 1 AND 1=1",
            "id IN (1, 2)",
            "a = b",
            "id = 1 OR id = 2",
            "1 = 0 OR id = 3",
        ] {
            assert!(bounded(Some(&where_of(c))), "{c}");
        }
    }
}
