-- 0021_request_list_keys: the request lists page by (created_at, id) within a
-- status or a requester; the id ends these indexes so a page continues
-- after its last request from the index alone.
DROP INDEX requests_status;
DROP INDEX requests_requester;
CREATE INDEX requests_status ON requests (status, created_at DESC NULLS LAST, id DESC);
CREATE INDEX requests_requester ON requests (requester_id, created_at DESC NULLS LAST, id DESC);
