-- 登记本服务器的角色与权限 / Roles and rights on the hall's register server.
-- Run by the server's superuser (install-server.sh does):
--   psql -v owner=chuangkou_owner -v counter=chuangkou_counter -v db=register -f roles.sql
-- Again after `chuangkou init` or an upgrade: it grants on every table the owner made.
--
-- :owner   owns the database and its schema: `chuangkou init` and schema upgrades run as it,
--          from the server itself only (pg_hba.conf). No station holds its password.
-- :counter the stations' group role, NOLOGIN: rows only (read, write, delete), no DDL, and the
--          audit trail's rows can be added but never changed or removed. Each station logs
--          in as its own role, a member of it (install-server.sh add-station), so a lost or
--          stolen station is shut out alone: DROP ROLE station_<id>.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I NOLOGIN', :'counter')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'counter') \gexec
ALTER ROLE :"owner" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER ROLE :"counter" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;

-- UTF-8 whatever the server's locale; template0 so nothing of template1 comes along.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
              :'db', :'owner', 'UTF8', 'C.UTF-8', 'C.UTF-8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"counter";

\connect :"db"
\set ON_ERROR_STOP on
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"counter";

-- Tables and sequences the owner makes later (init, upgrades) are the stations' at once.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"counter";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"counter";
-- … and those it already made.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"counter";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO :"counter";

-- The audit trail is appended to, never rewritten (its HMAC chain finds an edit anyway;
-- this keeps a station from making one).
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON TABLE %I FROM %I', 'audit_event', :'counter')
WHERE to_regclass('public.audit_event') IS NOT NULL \gexec
