CREATE TYPE pair AS (a int, b bigint, c text);
