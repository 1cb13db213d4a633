/**
 * The remote engine's credentials, made fresh for each run: two CAs (openssl, P-256), the
 * engine's certificate for 127.0.0.1 and localhost, client certificates laid out in Docker's
 * DOCKER_CERT_PATH shape (good, wrong CA, foreign client, missing cert.pem), and the sshd host
 * key and client key (ssh-keygen).
 */
import { join } from "node:path";

/** The certificate directories the fixture makes. */
export interface CertDirs {
  /** The right CA and a client certificate it signed. */
  good: string;
  /** Another CA as ca.pem (the engine's certificate does not chain to it), the good client pair. */
  wrongCa: string;
  /** The right ca.pem, and a client certificate signed by another CA. */
  foreignClient: string;
  /** The right ca.pem and key.pem, no cert.pem. */
  noCert: string;
}

/** The engine's side of the certificates and the client directories. */
export interface Certs {
  serverCa: string;
  serverCert: string;
  serverKey: string;
  dirs: CertDirs;
}

/** Makes two CAs, the engine's certificate (127.0.0.1, localhost) and client certificates. */
export async function makeCerts(dir: string): Promise<Certs> {
  const pki = join(dir, "pki");
  await Deno.mkdir(pki);
  const at = (name: string) => join(pki, name);
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", at("ca-key.pem")]);
  await openssl([
    "ecparam",
    "-name",
    "prime256v1",
    "-genkey",
    "-noout",
    "-out",
    at("other-key.pem"),
  ]);
  for (
    const [key, cert, cn] of [["ca-key.pem", "ca.pem", "leash test CA"], [
      "other-key.pem",
      "other-ca.pem",
      "another CA",
    ]]
  ) {
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      at(key!),
      "-out",
      at(cert!),
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
    ]);
  }
  const leaf = async (name: string, ca: string, ext: string) => {
    await openssl([
      "ecparam",
      "-name",
      "prime256v1",
      "-genkey",
      "-noout",
      "-out",
      at(`${name}-key.pem`),
    ]);
    await openssl([
      "req",
      "-new",
      "-key",
      at(`${name}-key.pem`),
      "-out",
      at(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    ]);
    await Deno.writeTextFile(at(`${name}.ext`), ext);
    await openssl([
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at(`${ca}.pem`),
      "-CAkey",
      at(`${ca}-key.pem`),
      "-CAcreateserial",
      "-out",
      at(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      at(`${name}.ext`),
    ]);
  };
  await leaf(
    "server",
    "ca",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  await leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  await Deno.rename(at("other-key.pem"), at("other-ca-key.pem"));
  await leaf("foreign", "other-ca", "extendedKeyUsage=clientAuth\n");
  const read = (name: string) => Deno.readTextFile(at(name));
  const layout = async (name: string, files: Record<string, string>) => {
    const target = join(dir, name);
    await Deno.mkdir(target);
    for (const [file, source] of Object.entries(files)) {
      await Deno.writeTextFile(join(target, file), await read(source), { mode: 0o600 });
    }
    return target;
  };
  return {
    serverCa: await read("ca.pem"),
    serverCert: await read("server.pem"),
    serverKey: await read("server-key.pem"),
    dirs: {
      good: await layout("good", {
        "ca.pem": "ca.pem",
        "cert.pem": "client.pem",
        "key.pem": "client-key.pem",
      }),
      wrongCa: await layout("wrong-ca", {
        "ca.pem": "other-ca.pem",
        "cert.pem": "client.pem",
        "key.pem": "client-key.pem",
      }),
      foreignClient: await layout("foreign-client", {
        "ca.pem": "ca.pem",
        "cert.pem": "foreign.pem",
        "key.pem": "foreign-key.pem",
      }),
      noCert: await layout("no-cert", { "ca.pem": "ca.pem", "key.pem": "client-key.pem" }),
    },
  };
}

/** The sshd's host key (private, and its public line) and the client's key. */
export interface SshKeys {
  hostKey: string;
  hostPublic: string;
  authorizedKeys: string;
  /** Path of the client's private key. */
  identity: string;
}

/** Makes the sshd host key and the client's key. */
export async function makeSshKeys(dir: string): Promise<SshKeys> {
  const at = (name: string) => join(dir, name);
  for (const name of ["ssh_host_key", "id_ed25519"]) {
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "leash-test", "-f", at(name)]);
  }
  return {
    hostKey: await Deno.readTextFile(at("ssh_host_key")),
    hostPublic: (await Deno.readTextFile(at("ssh_host_key.pub"))).trim(),
    authorizedKeys: await Deno.readTextFile(at("id_ed25519.pub")),
    identity: at("id_ed25519"),
  };
}

function openssl(args: string[]): Promise<void> {
  return run("openssl", args);
}

async function run(tool: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(tool, { args, stdout: "piped", stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(
      `${tool} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
}
