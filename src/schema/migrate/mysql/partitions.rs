//! MySQL/MariaDB partitioning: partitions added at the end or dropped are
//! their own cheap statements; any other change repartitions the table.

use crate::schema::ddl::Ddl;
use crate::schema::migrate::{Builder, Phase};
use crate::schema::{Partition, Table};

/// Statements that give `t` the partitioning of `s`.
pub(super) fn alter_partitions(b: &mut Builder, d: &Ddl, s: &Table, t: &Table) {
    if s.partition_by == t.partition_by && s.partitions == t.partitions {
        return;
    }
    let q = d.ident(&s.name);
    let Some(by) = &s.partition_by else {
        b.add_h(
            Phase::Tables,
            format!("ALTER TABLE {q} REMOVE PARTITIONING"),
            vec![format!(
                "copies {} into one unpartitioned table (ALGORITHM=COPY)",
                s.name
            )],
        );
        return;
    };
    let hash_like = by.starts_with("HASH") || by.starts_with("KEY") || by.starts_with("LINEAR");
    if t.partition_by.as_ref() == Some(by) && !hash_like {
        let kept: Vec<&Partition> = t.partitions.iter().filter(|p| s.partitions.contains(p)).collect();
        let gone: Vec<&Partition> = t.partitions.iter().filter(|p| !s.partitions.contains(p)).collect();
        let added: Vec<&Partition> = s.partitions.iter().filter(|p| !t.partitions.contains(p)).collect();
        // What stays keeps its order and the new ones come after it.
        let appended = s.partitions.len() == kept.len() + added.len()
            && s.partitions[..kept.len()].iter().zip(&kept).all(|(a, b)| a == *b);
        let names_reused = added.iter().any(|a| gone.iter().any(|g| g.name == a.name));
        if appended && !names_reused {
            if !gone.is_empty() {
                let names: Vec<String> = gone.iter().map(|p| d.ident(&p.name)).collect();
                b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} DROP PARTITION {}", names.join(", ")),
                    vec![format!(
                        "data loss: drops partition(s) {} of {} and their rows",
                        gone.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
                        s.name
                    )],
                );
            }
            if !added.is_empty() {
                let list: Vec<Partition> = added.into_iter().cloned().collect();
                b.add(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD PARTITION ({})", d.mysql_partition_list(&list)),
                );
            }
            return;
        }
    }
    if let Some(clause) = d.mysql_partitioning(s) {
        b.add_h(
            Phase::Tables,
            format!("ALTER TABLE {q} {clause}"),
            vec![format!(
                "repartitions {}: copies every row (ALGORITHM=COPY), blocking writes",
                s.name
            )],
        );
    }
}
