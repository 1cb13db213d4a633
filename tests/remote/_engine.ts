/**
 * A real remote engine for the `remote` tier: a second dockerd inside a container on the host's
 * engine (docker-in-docker), with a data root of its own (an anonymous volume, removed with it),
 * so its filesystem is not the host's. It listens on `tcp://0.0.0.0:2376 --tlsverify` with a CA,
 * server and client certificates this fixture makes with openssl, and an sshd beside it takes
 * `ssh://root@...` with a key the fixture makes (`docker system dial-stdio` runs there). Both
 * ports are published on the host's 127.0.0.1 only. The images the tests need are saved from
 * the host's engine and loaded into it through the API.
 */
import { join } from "node:path";
import { collectOutput, createTar, DockerClient } from "../../src/docker/mod.ts";
import { ensureDindImage } from "./_dind_image.ts";
import { type CertDirs, makeCerts, makeSshKeys } from "./_pki.ts";

/** Capabilities of `--privileged` that Docker 20.10 knows, for hosts whose bounding set lacks one. */
const CAPS = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
];

/**
 * The container's entrypoint: fresh read-write cgroup v1 hierarchies of its own cgroup
 * namespace (Docker mounts them read-only), sshd, then dockerd on TLS tcp and its unix socket
 * (which `docker system dial-stdio` uses).
 */
const START = `
set -e
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  for d in /sys/fs/cgroup/*; do
    n=\${d##*/}
    umount "$d" 2>/dev/null || continue
    mkdir -p "$d"
    case "$n" in
      unified) mount -t cgroup2 cgroup2 "$d" ;;
      systemd) mount -t cgroup -o none,name=systemd cgroup "$d" ;;
      *) mount -t cgroup -o "$n" cgroup "$d" ;;
    esac
  done
  # Docker mounts no cgroup2 beside v1; the host has it at unified/, so the engine's does too.
  if [ ! -d /sys/fs/cgroup/unified ] && grep -q cgroup2 /proc/filesystems; then
    mkdir /sys/fs/cgroup/unified && mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified || true
  fi
fi
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
cp /etc/leash-remote/authorized_keys /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys /etc/leash-remote/ssh_host_key /etc/leash-remote/server-key.pem
/usr/sbin/sshd -h /etc/leash-remote/ssh_host_key -o PermitRootLogin=prohibit-password -E /var/log/sshd.log
exec dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify \
  --tlscacert /etc/leash-remote/ca.pem --tlscert /etc/leash-remote/server-cert.pem \
  --tlskey /etc/leash-remote/server-key.pem
`;

export type { CertDirs };

/** A running remote engine and everything a test needs to reach it. */
export interface RemoteEngine extends AsyncDisposable {
  /** `tcp://127.0.0.1:PORT` (TLS). */
  tcpHost: string;
  /** `ssh://root@127.0.0.1:PORT`. */
  sshHost: string;
  /** Directories in Docker's layout (ca.pem, cert.pem, key.pem): see {@linkcode CertDirs}. */
  certs: CertDirs;
  /** The ssh config file the ssh transport needs (`LEASH_SSH_CONFIG`): key, known_hosts. */
  sshConfig: string;
  /** Environment for leash or the client: DOCKER_HOST and the TLS variables. */
  tlsEnv: Record<string, string>;
  sshEnv: Record<string, string>;
  /** The outer container (on the host's engine). */
  container: string;
  /**
   * The address of this machine the engine's containers reach: the gateway of the outer
   * container's network on the host's engine (the inner engine's containers leave through the
   * outer container's NAT; measured: a listener on it sees their connections). Not loopback,
   * which is where the engine's API ports are published and what leash's default would be.
   */
  hostAddress: string;
  /** Images loaded into the engine. */
  images: string[];
  /** Stops the engine and removes its container, data root and files. */
  close(): Promise<void>;
}

/** Options of {@linkcode startRemoteEngine}. */
export interface RemoteEngineOptions {
  /** Host images to load into the engine. @default {[]} */
  images?: string[];
}

/**
 * Starts the remote engine on the host's engine (the default DOCKER_HOST) and waits until it
 * answers over TLS: a few seconds once its image exists (debootstrap, about a minute, once).
 */
export async function startRemoteEngine(options: RemoteEngineOptions = {}): Promise<RemoteEngine> {
  const host = await DockerClient.connect();
  const image = await ensureDindImage(host).catch((error) => {
    host.close();
    throw error;
  });
  const dir = await Deno.makeTempDir({ prefix: "leash-remote-" });
  let container: string | undefined;
  try {
    const certs = await makeCerts(dir);
    const ssh = await makeSshKeys(dir);
    container = (await host.containers.create({
      Image: image,
      Entrypoint: ["sh", "-c", START],
      Cmd: [],
      Labels: { "leash.test": "remote" },
      ExposedPorts: { "2376/tcp": {}, "22/tcp": {} },
      Volumes: { "/var/lib/docker": {} },
      HostConfig: {
        ...(await hasAllCapabilities() ? { Privileged: true } : {
          CapAdd: CAPS.filter((c) => c !== "SYS_RESOURCE"),
          SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
          MaskedPaths: [],
          ReadonlyPaths: [],
        }),
        CgroupnsMode: "private",
        PortBindings: {
          "2376/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
          "22/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
        },
      },
    }, { name: `leash-test-remote-${crypto.randomUUID().slice(0, 8)}` })).Id;
    const file = (path: string, data: string, mode = 0o644) => ({ path, data, mode });
    await host.containers.putArchive(
      container,
      "/",
      createTar([
        { path: "etc/leash-remote", type: "directory" },
        file("etc/leash-remote/ca.pem", certs.serverCa),
        file("etc/leash-remote/server-cert.pem", certs.serverCert),
        file("etc/leash-remote/server-key.pem", certs.serverKey, 0o600),
        file("etc/leash-remote/ssh_host_key", ssh.hostKey, 0o600),
        file("etc/leash-remote/authorized_keys", ssh.authorizedKeys),
      ]),
    );
    await host.containers.start(container);
    const settings = (await host.containers.inspect(container)).NetworkSettings;
    const hostAddress = String((settings as { Gateway?: string }).Gateway ?? "");
    const ports = settings.Ports as Record<
      string,
      { HostPort: string }[] | null
    >;
    const tlsPort = Number(ports["2376/tcp"]?.[0]?.HostPort);
    const sshPort = Number(ports["22/tcp"]?.[0]?.HostPort);
    const knownHosts = join(dir, "known_hosts");
    await Deno.writeTextFile(knownHosts, `[127.0.0.1]:${sshPort} ${ssh.hostPublic}\n`);
    const sshConfig = join(dir, "ssh_config");
    await Deno.writeTextFile(
      sshConfig,
      [
        "Host *",
        `  IdentityFile ${ssh.identity}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${knownHosts}`,
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );
    const tcpHost = `tcp://127.0.0.1:${tlsPort}`;
    const sshHost = `ssh://root@127.0.0.1:${sshPort}`;
    const tlsEnv = {
      DOCKER_HOST: tcpHost,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: certs.dirs.good,
    };
    const sshEnv = { DOCKER_HOST: sshHost, LEASH_SSH_CONFIG: sshConfig };
    const remote = await waitForEngine(tlsEnv, host, container);
    const images = options.images ?? [];
    try {
      if (images.length > 0) await remote.images.load(await host.images.save(images));
    } finally {
      remote.close();
    }
    const id = container;
    const close = async () => {
      await host.containers.remove(id, { force: true, volumes: true }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      host.close();
    };
    return {
      tcpHost,
      sshHost,
      certs: certs.dirs,
      sshConfig,
      tlsEnv,
      sshEnv,
      container: id,
      hostAddress,
      images,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    if (container) await host.containers.remove(container, { force: true, volumes: true });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    host.close();
    throw error;
  }
}

/** Connects with `env` until the engine answers (dockerd takes a few seconds to start). */
async function waitForEngine(
  env: Record<string, string>,
  host: DockerClient,
  container: string,
): Promise<DockerClient> {
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      return await DockerClient.connect({ env: (name) => env[name] });
    } catch (error) {
      const state = (await host.containers.inspect(container)).State;
      if (!state.Running || Date.now() > deadline) {
        const logs = await host.containers.logs(container, { stdout: true, stderr: true })
          .then(collectOutput).then((o) => (o.stdout + o.stderr).split("\n").slice(-30).join("\n"))
          .catch(() => "");
        throw new Error(`The remote engine did not start: ${(error as Error).message}\n${logs}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Whether this process's bounding set holds every capability (`--privileged` then works). */
async function hasAllCapabilities(): Promise<boolean> {
  const status = await Deno.readTextFile("/proc/self/status");
  const bounding = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
  const last = Number((await Deno.readTextFile("/proc/sys/kernel/cap_last_cap")).trim());
  return bounding === (1n << BigInt(last + 1)) - 1n;
}
