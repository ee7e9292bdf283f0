//! The `mariadb`/`mysql` clients' own convention: `MYSQL_PWD` is the
//! password of a MySQL/MariaDB connection that has none of its own.

use crate::db::{ConnSpec, Engine};

/// Fill a MySQL spec's missing password from `MYSQL_PWD`, as the `mariadb`
/// client does. A stored or given password always wins.
pub fn apply_password(spec: &mut ConnSpec) {
    if spec.engine != Engine::Mysql || spec.password.is_some() {
        return;
    }
    spec.password = std::env::var("MYSQL_PWD").ok().filter(|v| !v.is_empty());
}
