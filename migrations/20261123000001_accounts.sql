-- Accounts, groups, services and API tokens: the reference data every ticket points at.

create table users (
    id            uuid        primary key,
    email         text        not null,
    name          text        not null,
    role          text        not null,
    locale        text        not null default 'en',
    password_hash text,
    active        boolean     not null default true,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    constraint users_email_key unique (email),
    constraint users_email_check check (email = lower(email) and email like '_%@_%'),
    constraint users_name_check check (length(btrim(name)) between 1 and 200),
    constraint users_role_check check (role in ('viewer', 'agent', 'problem_manager', 'admin')),
    constraint users_locale_check check (locale in ('en', 'de'))
);

create table groups (
    id         uuid        primary key,
    key        text        not null,
    name       text        not null,
    department text        not null,
    active     boolean     not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint groups_key_key unique (key),
    constraint groups_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint groups_name_check check (length(btrim(name)) between 1 and 200),
    constraint groups_department_check check (length(btrim(department)) between 1 and 100)
);

create table group_members (
    group_id uuid not null constraint group_members_group_fkey references groups (id) on delete cascade,
    user_id  uuid not null constraint group_members_user_fkey references users (id) on delete cascade,
    constraint group_members_pkey primary key (group_id, user_id)
);
create index group_members_user_idx on group_members (user_id);

create table services (
    id             uuid        primary key,
    key            text        not null,
    name           text        not null,
    owner_group_id uuid        constraint services_owner_group_fkey references groups (id),
    active         boolean     not null default true,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    constraint services_key_key unique (key),
    constraint services_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint services_name_check check (length(btrim(name)) between 1 and 200)
);

-- Only the SHA-256 of a token is kept; the token itself is shown once at creation.
create table api_tokens (
    id           uuid        primary key,
    user_id      uuid        not null constraint api_tokens_user_fkey references users (id) on delete cascade,
    name         text        not null,
    token_hash   bytea       not null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    constraint api_tokens_token_hash_key unique (token_hash),
    constraint api_tokens_name_check check (length(btrim(name)) between 1 and 100)
);
create index api_tokens_user_idx on api_tokens (user_id, created_at);

-- Failed sign-ins, counted per account and per client address for rate limiting.
-- Kept in the database so that every `leitstand serve` process behind a load balancer sees them.
create table login_failures (
    id      bigint      generated always as identity primary key,
    at      timestamptz not null default now(),
    email   text        not null,
    address text        not null
);
create index login_failures_email_idx on login_failures (email, at);
create index login_failures_address_idx on login_failures (address, at);

-- Browser sessions (tower-sessions-sqlx-store's layout, created here so that all schema
-- changes go through the one advisory-locked migrator).
create schema if not exists tower_sessions;
create table tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);
create index session_expiry_idx on tower_sessions.session (expiry_date);
