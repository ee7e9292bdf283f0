//! Identity column sequence options: `ALTER COLUMN ... SET ...` clauses.

/// INCREMENT BY of identity options (1 when not set).
pub(super) fn identity_increment(options: Option<&str>) -> i64 {
    let words: Vec<&str> = options.unwrap_or("").split_whitespace().collect();
    words
        .windows(3)
        .find(|w| w[0] == "INCREMENT" && w[1] == "BY")
        .and_then(|w| w[2].parse().ok())
        .unwrap_or(1)
}

/// `SET ...` clauses that give an identity sequence exactly `options`
/// (the non-default options as introspection writes them): every option
/// is set, so ones that went back to their default are reset too.
pub(super) fn identity_set(options: Option<&str>) -> String {
    let words: Vec<&str> = options.unwrap_or("").split_whitespace().collect();
    let after = |key: &[&str]| -> Option<&str> {
        words
            .windows(key.len() + 1)
            .find(|w| w[..key.len()] == *key)
            .map(|w| w[key.len()])
    };
    let num = |key: &[&str]| after(key).and_then(|v| v.parse::<i64>().ok());
    let increment = num(&["INCREMENT", "BY"]).unwrap_or(1);
    let min = num(&["MINVALUE"]);
    let max = num(&["MAXVALUE"]);
    // START defaults to MINVALUE ascending and MAXVALUE descending; name it
    // so a stale explicit start cannot survive the reset.
    let start = num(&["START", "WITH"]).unwrap_or(if increment > 0 {
        min.unwrap_or(1)
    } else {
        max.unwrap_or(-1)
    });
    let mut out = vec![format!("SET INCREMENT BY {increment}")];
    out.push(min.map_or("SET NO MINVALUE".into(), |v| format!("SET MINVALUE {v}")));
    out.push(max.map_or("SET NO MAXVALUE".into(), |v| format!("SET MAXVALUE {v}")));
    out.push(format!("SET START WITH {start}"));
    out.push(format!("SET CACHE {}", num(&["CACHE"]).unwrap_or(1)));
    out.push(
        if words.contains(&"CYCLE") {
            "SET CYCLE"
        } else {
            "SET NO CYCLE"
        }
        .into(),
    );
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_every_option_and_names_the_start() {
        assert_eq!(
            identity_set(None),
            "SET INCREMENT BY 1 SET NO MINVALUE SET NO MAXVALUE SET START WITH 1 SET CACHE 1 SET NO CYCLE"
        );
        assert_eq!(
            identity_set(Some("INCREMENT BY -2 MAXVALUE 50 CACHE 5 CYCLE")),
            "SET INCREMENT BY -2 SET NO MINVALUE SET MAXVALUE 50 SET START WITH 50 SET CACHE 5 SET CYCLE"
        );
        assert_eq!(identity_increment(Some("START WITH 3 INCREMENT BY -4")), -4);
    }
}
