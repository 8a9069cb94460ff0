-- Service levels for requests: a request type names an SLA policy and the priority whose
-- targets its requests get; each request keeps its clock like an incident (due dates, the
-- first response, and the business time it stood still while awaiting approval).
alter table request_types add column sla_policy_id uuid
    constraint request_types_sla_policy_fkey references sla_policies (id);
alter table request_types add column sla_priority smallint not null default 4
    constraint request_types_sla_priority_check check (sla_priority between 1 and 5);

alter table requests add column sla_policy_id uuid
    constraint requests_sla_policy_fkey references sla_policies (id);
alter table requests add column response_due timestamptz;
alter table requests add column resolution_due timestamptz;
alter table requests add column responded_at timestamptz;
alter table requests add column sla_paused_seconds bigint not null default 0;
alter table requests add column sla_paused_since timestamptz;
