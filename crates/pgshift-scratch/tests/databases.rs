//! Scratch databases on a private embedded server: create/drop, Drop outside
//! a runtime, templates, the reaper, and pasteable URLs.

mod common;

use std::str::FromStr;

use common::{database_exists, rt, Private};
use pgshift_scratch::{ScratchDb, ScratchServer};

#[test]
fn create_drop_template_reaper_url() {
    let p = Private::new();
    let server = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure");
    assert!(server.is_embedded());

    // create + drop_now
    rt().block_on(async {
        let db = server.create_database(None).await.expect("create");
        let name = db.name().to_string();
        assert!(
            name.starts_with(&format!("pgshift_s_{}_", std::process::id())),
            "{name}"
        );
        assert!(database_exists(&server, &name).await);
        let c = db.connect().await.expect("connect");
        let one: i32 = c.query_one("SELECT 1", &[]).await.unwrap().get(0);
        assert_eq!(one, 1);
        // drop_now works even with a client still connected (FORCE)
        db.drop_now().await.expect("drop_now");
        assert!(!database_exists(&server, &name).await);
        drop(c);
    });

    // Drop inside a runtime
    let name = rt().block_on(async {
        let db = server.create_database(None).await.expect("create");
        let name = db.name().to_string();
        drop(db);
        assert!(
            !database_exists(&server, &name).await,
            "Drop inside a runtime"
        );
        name
    });
    assert!(name.starts_with("pgshift_s_"));

    // Drop after the runtime that created it is gone
    let db: ScratchDb = rt().block_on(server.create_database(None)).expect("create");
    let name = db.name().to_string();
    drop(db);
    assert!(
        !rt().block_on(database_exists(&server, &name)),
        "Drop without a runtime"
    );

    // template
    rt().block_on(async {
        let tpl = server.create_database(None).await.expect("create template");
        {
            let c = tpl.connect().await.unwrap();
            c.batch_execute(
                "CREATE TABLE from_template (id int); INSERT INTO from_template VALUES (7)",
            )
            .await
            .unwrap();
        }
        let copy = server
            .create_database(Some(tpl.name()))
            .await
            .expect("create from template");
        let c = copy.connect().await.unwrap();
        let v: i32 = c
            .query_one("SELECT id FROM from_template", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(v, 7);
        drop(c);
        copy.drop_now().await.unwrap();
        tpl.drop_now().await.unwrap();
    });

    // reaper: a database named after a dead pid disappears on the next ensure;
    // ours stays.
    let dead_pid = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let orphan = format!("pgshift_s_{dead_pid}_0_deadbeef");
    let keep = rt().block_on(async {
        let c = server.connect("postgres").await.unwrap();
        c.batch_execute(&format!("CREATE DATABASE \"{orphan}\""))
            .await
            .unwrap();
        assert!(database_exists(&server, &orphan).await);
        server.create_database(None).await.unwrap()
    });
    let server2 = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure again");
    rt().block_on(async {
        assert!(
            !database_exists(&server2, &orphan).await,
            "orphan was not reaped"
        );
        assert!(
            database_exists(&server2, keep.name()).await,
            "our own database was reaped"
        );
    });
    drop(keep);

    // url(): accepted by tokio_postgres and psql
    let db = rt().block_on(server.create_database(None)).unwrap();
    let url = db.url();
    let cfg = tokio_postgres::Config::from_str(&url).expect("tokio_postgres parses url()");
    assert_eq!(cfg.get_dbname(), Some(db.name()));
    rt().block_on(async {
        let (c, conn) = cfg
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect via url()");
        tokio::spawn(conn);
        let n: String = c
            .query_one("SELECT current_database()::text", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, db.name());
    });
    let psql = server.bindir().unwrap().join("psql");
    let out = std::process::Command::new(&psql)
        .arg(&url)
        .args(["-X", "-A", "-t", "-c", "select 1"])
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    drop(db);
}

#[test]
fn many_concurrent_clients() {
    let p = Private::new();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = ScratchServer::ensure(&p.config).await.expect("ensure");
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let s = server.clone();
                tokio::spawn(async move {
                    let db = s.create_database(None).await?;
                    let c = db.connect().await?;
                    c.batch_execute("CREATE TABLE t (id int primary key)")
                        .await
                        .ok();
                    drop(c);
                    db.drop_now().await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("create/drop");
        }
    });
}

#[test]
fn external_url_mode() {
    let p = Private::new();
    let embedded = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure");
    let socket = embedded.socket_dir().unwrap().display().to_string();
    // trust auth ignores the password, which lets us check masking for real
    let url = format!("postgres://pgshift:s3cret@/postgres?host={socket}&port=5432");
    let config = pgshift_scratch::ScratchConfig {
        cache_dir: None,
        bindir: None,
        url: Some(url),
        server_settings: Vec::new(),
        pg_version: None,
    };
    rt().block_on(async {
        let server = ScratchServer::ensure(&config)
            .await
            .expect("ensure external");
        assert!(!server.is_embedded());
        assert_eq!(server.admin_dbname(), "postgres");
        assert!(server.server_version_num().await.unwrap() >= 120000);
        let db = server.create_database(None).await.expect("create");
        let shown = db.url();
        assert!(shown.contains(":***@"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!format!("{server:?}").contains("s3cret"));
        assert_eq!(db.pg_config().get_password(), Some(&b"s3cret"[..]));
        let c = db.connect().await.expect("connect");
        c.batch_execute("CREATE TABLE t (id int)").await.unwrap();
        drop(c);
        let name = db.name().to_string();
        db.drop_now().await.expect("drop");
        assert!(!database_exists(&server, &name).await);
    });
    assert!(matches!(
        pgshift_scratch::status(&config),
        Err(pgshift_scratch::ScratchError::NotEmbedded { .. })
    ));
}
