import assert from "node:assert/strict";
import {
  apiErrorFromResponse,
  DockerApiError,
  DockerBuildError,
  engineMessageOf,
} from "./errors.ts";
import { connectionError } from "./transport.ts";

Deno.test("apiErrorFromResponse() carries the engine's JSON message, status, method and path", async () => {
  const response = new Response(
    JSON.stringify({
      message: 'Conflict. The container name "/x" is already in use by container "abc".',
    }),
    { status: 409, headers: { "Content-Type": "application/json" } },
  );
  const error = await apiErrorFromResponse(response, "POST", "/containers/create");
  assert.ok(error instanceof DockerApiError);
  assert.equal(error.name, "DockerApiError");
  assert.equal(error.status, 409);
  assert.equal(error.method, "POST");
  assert.equal(error.path, "/containers/create");
  assert.equal(
    error.message,
    'Docker API POST /containers/create failed (409): Conflict. The container name "/x" is already in use by container "abc".',
  );
  assert.equal(response.bodyUsed, true);
});

Deno.test("apiErrorFromResponse() falls back to the text body, then the status text", async () => {
  const text = await apiErrorFromResponse(
    new Response("page not found\n", { status: 404 }),
    "GET",
    "/nope",
  );
  assert.equal(text.engineMessage, "page not found");
  const empty = await apiErrorFromResponse(
    new Response("", { status: 500, statusText: "Internal Server Error" }),
    "GET",
    "/x",
  );
  assert.equal(empty.message, "Docker API GET /x failed (500): Internal Server Error");
});

Deno.test("engineMessageOf() keeps invalid JSON as text", () => {
  assert.equal(engineMessageOf('{"message": "no such image"}'), "no such image");
  assert.equal(engineMessageOf("{not json"), "{not json");
  assert.equal(engineMessageOf('{"other": 1}'), '{"other": 1}');
});

Deno.test("DockerBuildError names the image and the failing step", () => {
  const error = new DockerBuildError({
    tag: "app:1",
    step: 'Step 3/3 : RUN ["/bin/busybox","false"]',
    engineMessage: "The command '/bin/busybox false' returned a non-zero code: 1",
  });
  assert.equal(
    error.message,
    `Cannot build image "app:1": failed at "Step 3/3 : RUN ["/bin/busybox","false"]": The command '/bin/busybox false' returned a non-zero code: 1`,
  );
  assert.equal(error.name, "DockerBuildError");
});

Deno.test("connectionError() explains a missing socket, denied access and refusal with the fix", () => {
  const socket = "/var/run/docker.sock";
  assert.equal(
    connectionError(socket, new Deno.errors.NotFound("No such file or directory (os error 2)"))
      .message,
    `Cannot connect to Docker socket "${socket}": no such file; start Docker (sudo systemctl start docker) or set DOCKER_HOST to the engine's socket`,
  );
  const denied = connectionError(
    socket,
    new TypeError("fetch failed", {
      cause: new Error("client error (Connect): Permission denied (os error 13)"),
    }),
  );
  assert.match(denied.message, /": permission denied; add your user to the "docker" group/);
  assert.ok(denied.cause instanceof TypeError);
  assert.match(
    connectionError(socket, new Deno.errors.ConnectionRefused("refused")).message,
    /": connection refused; no engine listens there: start Docker/,
  );
  assert.equal(
    connectionError(socket, new Error("odd")).message,
    `Cannot connect to Docker socket "${socket}": odd`,
  );
});

Deno.test("DockerApiError appends the fix for a runtime failure Podman's runtimes are known for", () => {
  const crun = new DockerApiError({
    status: 500,
    engineMessage:
      "crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error",
    method: "POST",
    path: "/containers/x/start",
  });
  assert.match(
    crun.message,
    /OCI runtime error; .*runtime = "runc" under \[engine\] in containers\.conf$/,
  );
  const limits = new DockerApiError({
    status: 500,
    engineMessage:
      "crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted: OCI permission denied",
    method: "POST",
    path: "/containers/x/start",
  });
  assert.match(limits.message, /; set default_ulimits \(nofile, nproc\)/);
  const other = new DockerApiError({
    status: 404,
    engineMessage: "No such container: x",
    method: "GET",
    path: "/containers/x/json",
  });
  assert.equal(
    other.message,
    "Docker API GET /containers/x/json failed (404): No such container: x",
  );
});
