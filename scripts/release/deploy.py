"""``make deploy STAGE=…``: from the packaged artefacts to a running commune.

1. Upload ``build/chalice/deployment.zip`` and ``sam.json`` to an artefact bucket
   (created on first use), then create or update the stack ``cantine-<stage>`` through a
   change set, and wait — what ``aws cloudformation deploy`` does.
2. Without a custom domain, the e-mail links need the CloudFront address, known only once
   the distribution exists: a second, quick update sets ``SiteUrl`` to it.
3. Upload ``static-site/`` to the site bucket with each file's Content-Type and
   Cache-Control, delete what is no longer there, and invalidate CloudFront's cache.
   Nothing else is generated: the site calls the API on its own origin (``/api/``).
4. Bring the stored data up to this version (``upgrade_data``, idempotent: the families'
   search index, the day families that left before it was kept left), with the Lambda
   function's own environment.
5. ``--create-admin EMAIL``: open the first admin account (``FamilyService.create_staff``
   with the Lambda function's own environment); its temporary password goes by e-mail.

Parameters come from ``infra/parameters-<stage>.json`` when present, then
``--parameter Key=Value``; on an update, a parameter given nowhere keeps its value.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SITE_DIR = ROOT / "static-site"
PACKAGE_DIR = ROOT / "build" / "chalice"
DEFAULT_REGION = "eu-west-3"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles; the SAM transform
WAF_REGION = "us-east-1"  # CloudFront's web ACLs live there, whatever the stack's region
# Kept in step with infra/template.py (imported lazily there: it reads the settings).
SECRET_PARAMETERS = ("SigningKey", "OriginSecret")
UNRESERVED_MINIMUM = 10

# The local demo's outbox page reads /api/dev/outbox, a route only the local stage has.
LOCAL_ONLY = frozenset({"courriels.html", "js/pages/courriels.js"})

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
# HTML: revalidated at every load (a 304 when unchanged), so a deploy shows at once.
HTML_CACHE = "no-cache"
# Scripts and styles keep their names from one release to the next (no bundler, no hash
# in the names) and the modules import each other by those names: a long max-age would
# leave a browser running new pages with old modules. Five minutes bounds that window,
# then the browser revalidates (a cheap 304 when nothing changed).
ASSET_CACHE = "max-age=300, must-revalidate"


class DeployError(RuntimeError):
    """The deployment cannot go on; the message says what to do."""


def log(text: str) -> None:
    print(text, flush=True)


# -- site ------------------------------------------------------------------------------
def site_files(site_dir: Path = SITE_DIR) -> list[tuple[str, Path]]:
    """(key, path) of every file to publish, sorted."""
    files = []
    for path in sorted(site_dir.rglob("*")):
        key = path.relative_to(site_dir).as_posix()
        if not path.is_file() or key in LOCAL_ONLY or any(p.startswith(".") for p in key.split("/")):
            continue
        files.append((key, path))
    return files


def headers_for(key: str) -> dict[str, str]:
    """Content-Type and Cache-Control of one published file."""
    suffix = Path(key).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise DeployError(f"type de fichier inconnu : {key} (ajoutez-le à CONTENT_TYPES)")
    cache = HTML_CACHE if suffix == ".html" else ASSET_CACHE
    return {"ContentType": CONTENT_TYPES[suffix], "CacheControl": cache}


def upload_site(s3: Any, bucket: str, site_dir: Path = SITE_DIR) -> list[dict[str, str]]:
    """Publish the site to ``bucket``; objects no longer in the site are deleted."""
    uploaded = []
    for key, path in site_files(site_dir):
        headers = headers_for(key)
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **headers)
        uploaded.append({"key": key, **headers})
    keep = {item["key"] for item in uploaded}
    stale = [obj["Key"]
             for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for obj in page.get("Contents", []) if obj["Key"] not in keep]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": key} for key in stale[start:start + 1000]], "Quiet": True})
    return uploaded


def invalidate(cloudfront: Any, distribution_id: str, wait: bool = True) -> str:
    """Drop CloudFront's cached copies of the site; returns the invalidation id."""
    reply = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]},  # one path: within the free 1,000/month
        "CallerReference": f"deploy-{time.time_ns()}"})
    invalidation_id = reply["Invalidation"]["Id"]
    if wait:
        cloudfront.get_waiter("invalidation_completed").wait(
            DistributionId=distribution_id, Id=invalidation_id,
            WaiterConfig={"Delay": 10, "MaxAttempts": 90})
    return invalidation_id


def publish_site(session: Any, outputs: dict[str, str], wait: bool = True) -> None:
    """Upload the site to the stack's bucket, then invalidate its distribution."""
    files = upload_site(session.client("s3"), outputs["SiteBucketName"])
    log(f"Site : {len(files)} fichiers envoyés dans {outputs['SiteBucketName']}")
    invalidate(session.client("cloudfront"), outputs["DistributionId"], wait)
    log("Cache CloudFront invalidé")


# -- stack -----------------------------------------------------------------------------
def stack_name(stage: str) -> str:
    return f"cantine-{stage}"


def read_parameters(stage: str, pairs: Iterable[str]) -> dict[str, str]:
    """``infra/parameters-<stage>.json`` (if any), overridden by ``Key=Value`` pairs."""
    values: dict[str, str] = {}
    path = ROOT / "infra" / f"parameters-{stage}.json"
    if path.exists():
        values.update({k: str(v) for k, v in json.loads(path.read_text("utf-8")).items()})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise DeployError(f"paramètre attendu sous la forme Clé=Valeur : {pair!r}")
        values[key.strip()] = value.strip()
    return values


def stack_parameters(declared: Iterable[str], given: dict[str, str],
                     previous: Iterable[str]) -> list[dict[str, Any]]:
    """CloudFormation's parameter list: given values, else the stack's, else defaults."""
    declared = list(declared)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DeployError(f"paramètres inconnus du modèle : {', '.join(unknown)}")
    previous = set(previous)
    out: list[dict[str, Any]] = []
    for name in declared:
        if name in given:
            out.append({"ParameterKey": name, "ParameterValue": given[name]})
        elif name in previous:
            out.append({"ParameterKey": name, "UsePreviousValue": True})
    return out


def with_secrets(declared: Iterable[str], secret_names: Iterable[str],
                 given: dict[str, str], previous: Iterable[str],
                 rotate: bool = False) -> dict[str, str]:
    """``given`` plus a fresh random value for each secret parameter the stack does not
    have yet (the first deployment, or a version that adds one), or for all when
    ``rotate``. Once set, a secret is kept by CloudFormation (UsePreviousValue)."""
    out = dict(given)
    previous = set(previous)
    for name in secret_names:
        if name in declared and name not in out and (rotate or name not in previous):
            out[name] = secrets.token_urlsafe(48)
    return out


def check_concurrency(lambda_client: Any, wanted: int) -> None:
    """Refuse early when the account cannot reserve ``wanted`` executions for the API.

    Lambda keeps 10 executions unreserved; a new account's quota is often 10 in all,
    which would make the stack fail after a quarter of an hour of CloudFront."""
    limit = lambda_client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    if limit < wanted + UNRESERVED_MINIMUM:
        raise DeployError(
            f"le quota d'exécutions simultanées de Lambda du compte est de {limit} : il en "
            f"faut au moins {wanted + UNRESERVED_MINIMUM} pour en réserver {wanted} à l'API "
            "(paramètre ApiConcurrency). Demandez 1000 (gratuit) dans Service Quotas → AWS "
            "Lambda → Concurrent executions, ou baissez ApiConcurrency (docs/deploy.md).")


def waf_wanted(given: dict[str, str]) -> bool:
    """The Waf switch (on/off, off by default), taken out of the stack's parameters."""
    value = given.pop("Waf", "off").strip().lower()
    if value not in ("on", "off"):
        raise DeployError(f"Waf vaut on ou off (reçu {value!r})")
    return value == "on"


def deploy_waf(session: Any, stage: str, package_dir: Path = PACKAGE_DIR) -> str:
    """Create or update the firewall's stack in us-east-1; returns the web ACL's ARN."""
    cloudformation = session.client("cloudformation", region_name=WAF_REGION)
    name = f"{stack_name(stage)}-waf"
    body = (package_dir / "waf.json").read_text("utf-8")
    stack = describe_stack(cloudformation, name)
    apply_change_set(cloudformation, name, None, [], stack is None, template_body=body)
    stack = deployed_stack(cloudformation, name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    log(f"Pare-feu {name} ({WAF_REGION}) : {outputs['WebAclArn']}")
    return outputs["WebAclArn"]


def remove_waf(session: Any, stage: str) -> None:
    """Delete the firewall's stack, if any (once CloudFront no longer uses it)."""
    cloudformation = session.client("cloudformation", region_name=WAF_REGION)
    name = f"{stack_name(stage)}-waf"
    if describe_stack(cloudformation, name) is None:
        return
    cloudformation.delete_stack(StackName=name)
    cloudformation.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 120})
    log(f"Pare-feu {name} supprimé")


def with_code_location(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """The template with every function's local ``CodeUri`` pointing at the uploaded zip."""
    template = json.loads(json.dumps(template))
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(
                props.get("CodeUri"), str):
            props["CodeUri"] = {"Bucket": bucket, "Key": key}
    return template


def ensure_artifact_bucket(s3: Any, account: str, region: str) -> str:
    """The private bucket the code and templates go through (CloudFormation reads them)."""
    bucket = f"cantine-artefacts-{account}-{region}"
    try:
        s3.head_bucket(Bucket=bucket)
        return bucket
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    options = {} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **options)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    # Old packages are only needed to roll back a recent update.
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "expire-old-artefacts", "Status": "Enabled", "Filter": {"Prefix": ""},
        "Expiration": {"Days": 90}}]})
    log(f"Compartiment des artefacts créé : {bucket}")
    return bucket


def _put_once(s3: Any, bucket: str, key: str, body: bytes) -> None:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def describe_stack(cloudformation: Any, name: str) -> dict[str, Any] | None:
    try:
        return cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def deployed_stack(cloudformation: Any, name: str) -> dict[str, Any]:
    """The stack a change set has just been applied to (it exists by now)."""
    stack = describe_stack(cloudformation, name)
    if stack is None:
        raise DeployError(f"la pile {name} est introuvable après son déploiement")
    return stack


def _print_failures(cloudformation: Any, name: str) -> None:
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    for event in events[:40]:
        if event.get("ResourceStatus", "").endswith("FAILED"):
            log(f"  {event['LogicalResourceId']}: {event.get('ResourceStatusReason', '')}")


def apply_change_set(cloudformation: Any, name: str, template_url: str | None,
                     parameters: list[dict[str, Any]], create: bool,
                     template_body: str | None = None) -> bool:
    """Create, execute and wait for one change set; False when there was nothing to do."""
    change_set = f"deploy-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    source = ({"TemplateURL": template_url} if template_url is not None
              else {"TemplateBody": template_body})
    cloudformation.create_change_set(
        StackName=name, ChangeSetName=change_set, **source,
        Parameters=parameters, Capabilities=CAPABILITIES,
        ChangeSetType="CREATE" if create else "UPDATE",
        Tags=[{"Key": "application", "Value": "cantine"}])
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 5, "MaxAttempts": 120})
    except Exception:  # noqa: BLE001 - an empty change set "fails"; anything else is reported
        described = cloudformation.describe_change_set(StackName=name, ChangeSetName=change_set)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates are to be performed" in reason:
            cloudformation.delete_change_set(StackName=name, ChangeSetName=change_set)
            return False
        raise DeployError(f"jeu de modifications refusé : {reason}") from None
    cloudformation.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_create_complete" if create else "stack_update_complete"
    log(f"Pile {name} : {'création' if create else 'mise à jour'} en cours "
        "(CloudFront peut prendre 15 minutes)…")
    try:
        cloudformation.get_waiter(waiter).wait(
            StackName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
    except Exception as exc:  # noqa: BLE001
        _print_failures(cloudformation, name)
        raise DeployError(f"la pile {name} n'a pas abouti : {exc}") from exc
    return True


def deploy_stack(session: Any, stage: str, given: dict[str, str],
                 package_dir: Path = PACKAGE_DIR, rotate_secrets: bool = False) -> dict[str, str]:
    """Create or update the stack from the packaged artefacts; returns its outputs."""
    manifest = json.loads((package_dir / "package.json").read_text("utf-8"))
    if manifest["stage"] != stage:
        raise DeployError(f"build/chalice est l'étape {manifest['stage']} : "
                          f"lancez make package STAGE={stage}")
    region = session.region_name
    account = session.client("sts").get_caller_identity()["Account"]
    s3 = session.client("s3")
    cloudformation = session.client("cloudformation")
    bucket = ensure_artifact_bucket(s3, account, region)
    code_key = f"{stage}/code-{manifest['zip_sha256']}.zip"
    _put_once(s3, bucket, code_key, (package_dir / "deployment.zip").read_bytes())
    template = json.loads((package_dir / "sam.json").read_text("utf-8"))
    body = json.dumps(with_code_location(template, bucket, code_key)).encode("utf-8")
    template_key = f"{stage}/template-{hashlib.sha256(body).hexdigest()}.json"
    _put_once(s3, bucket, template_key, body)
    template_url = f"https://{bucket}.s3.{region}.amazonaws.com/{template_key}"

    name = stack_name(stage)
    given = dict(given)
    declared = template["Parameters"]
    waf = waf_wanted(given)
    if "ApiConcurrency" in declared:
        check_concurrency(session.client("lambda"),
                          int(given.get("ApiConcurrency") or declared["ApiConcurrency"]["Default"]))
    if "WebAclArn" in declared:
        given["WebAclArn"] = deploy_waf(session, stage, package_dir) if waf else ""
    existing = describe_stack(cloudformation, name)
    given = with_secrets(template["Parameters"], SECRET_PARAMETERS, given,
                         [p["ParameterKey"] for p in (existing or {}).get("Parameters", [])],
                         rotate_secrets)
    if given.get("SiteDomain") and "SiteUrl" not in given:
        given["SiteUrl"] = f"https://{given['SiteDomain']}"
    for _ in range(2):  # the second pass only when SiteUrl must follow the CloudFront domain
        stack = describe_stack(cloudformation, name)
        if stack and stack["StackStatus"] == "ROLLBACK_COMPLETE":
            raise DeployError(f"la pile {name} a échoué à sa création : supprimez-la, ainsi "
                              "que ses tables vides, et relancez (docs/deploy.md, section 6)")
        previous = [p["ParameterKey"] for p in (stack or {}).get("Parameters", [])]
        params = stack_parameters(template["Parameters"], given, previous)
        changed = apply_change_set(cloudformation, name, template_url, params, stack is None)
        if stack is None and stage == "prod":
            cloudformation.update_termination_protection(
                StackName=name, EnableTerminationProtection=True)
        log(f"Pile {name} : {'à jour' if changed else 'inchangée'}")
        stack = deployed_stack(cloudformation, name)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack["Parameters"]}
        if current.get("SiteUrl") == outputs["PublicUrl"]:
            if not waf and "WebAclArn" in declared:
                remove_waf(session, stage)  # CloudFront no longer uses it: stop paying
            return outputs
        given["SiteUrl"] = outputs["PublicUrl"]
        log(f"Adresse publique : {outputs['PublicUrl']} (liens des courriels)")
    return outputs


# -- first admin -----------------------------------------------------------------------
def _check_mail_ready(session: Any, mail_from: str, recipient: str) -> None:
    """Refuse early when SES cannot deliver the temporary password yet."""
    sesv2 = session.client("sesv2")
    domain = mail_from.split("@", 1)[1]
    identity = sesv2.get_email_identity(EmailIdentity=domain)
    if not identity.get("VerifiedForSendingStatus"):
        raise DeployError(f"SES n'a pas encore vérifié le domaine {domain} : publiez les trois "
                          "enregistrements DKIM (sorties DkimRecord1..3) et attendez.")
    if sesv2.get_account().get("ProductionAccessEnabled"):
        return
    recipient_domain = recipient.split("@", 1)[1].lower()
    if recipient_domain == domain.lower():
        return  # a verified domain is a verified recipient in the sandbox too
    try:
        verified = sesv2.get_email_identity(EmailIdentity=recipient).get("VerifiedForSendingStatus")
    except sesv2.exceptions.NotFoundException:
        verified = False
    if not verified:
        raise DeployError(f"le compte SES est en bac à sable : {recipient} ne peut recevoir de "
                          "courriel que vérifiée, ou sortez du bac à sable (docs/deploy.md).")


def function_environment(session: Any, stage: str) -> dict[str, str]:
    """The API function's environment, as deployed (the stage's settings)."""
    function = session.client("cloudformation").describe_stack_resource(
        StackName=stack_name(stage), LogicalResourceId="APIHandler",
    )["StackResourceDetail"]["PhysicalResourceId"]
    variables = session.client("lambda").get_function_configuration(
        FunctionName=function)["Environment"]["Variables"]
    variables = dict(variables)
    variables["AWS_DEFAULT_REGION"] = session.region_name
    if session.profile_name and session.profile_name != "default":
        variables["AWS_PROFILE"] = session.profile_name
    return variables


def _enter_stage(variables: dict[str, str]) -> None:
    """Make this process read the deployed stage's settings.

    The settings are read from the environment once, at first use: this must run in a
    process that has not read other settings yet (the command line does).
    """
    if "chalicelib.settings" in sys.modules:
        from chalicelib.settings import get_settings
        current = get_settings()
        if (current.stage, current.table_prefix) != (variables.get("CANTINE_STAGE"),
                                                     variables.get("CANTINE_TABLE_PREFIX")):
            raise DeployError("ce processus a déjà lu les réglages d'une autre étape")
    os.environ.update(variables)
    for name_ in ("CANTINE_NOW", "CANTINE_AWS_ENDPOINT", "CANTINE_PAYFIP_ENDPOINT"):
        os.environ.pop(name_, None)


def upgrade_data(variables: dict[str, str]) -> int:
    """Bring stored data up to what this version reads, idempotently: the families' search
    terms (families stored before the search index existed), and the day the last child
    left of families that left before that day was kept (dated today: the purge then
    anonymises them a retention later, never earlier than the notice says). Returns the
    number of families indexed."""
    _enter_stage(variables)
    from chalicelib import wiring
    services = wiring.container()
    count = services.accounts.index_all_families()
    log(f"Index de recherche des familles à jour ({count} famille(s))")
    dated = services.purge.date_departures(services.clock.now().date())
    if dated:
        log(f"Date de départ fixée à aujourd'hui pour {dated} famille(s) partie(s) "
            "avant qu'elle ne soit enregistrée")
    expiring = services.audit.date_undated(services.clock.now().date())
    if expiring:
        log(f"Journal : {expiring} entrée(s) antérieure(s) effacée(s) un an après leur "
            "écriture, comme les nouvelles")
    return count


def open_admin(variables: dict[str, str], email: str, name: str,
               commune_name: str | None = None, zone: str | None = None) -> None:
    """Open an admin account with the product's own services, in this process."""
    _enter_stage(variables)
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.domain.commune import default_settings
    from chalicelib.domain.errors import DomainError
    from chalicelib.storage.accounts import EmailTaken
    services = wiring.container()
    if commune_name or zone:
        settings = default_settings(commune_name or "Commune")
        if zone:
            settings = replace(settings, zone=zone)
        if services.commune.initialize(settings):
            log(f"Commune initialisée : {settings.name}, zone {settings.zone}")
        else:
            log("La commune a déjà ses paramètres : modifiez-les dans la console (Paramètres)")
    try:
        services.families.create_staff({"email": email, "name": name, "role": "admin"},
                                       services.clock.now())
    except EmailTaken:
        log(f"{email} a déjà un compte : rien à faire")
        return
    except DomainError as exc:
        raise DeployError(f"compte refusé : {exc.message}") from exc
    log(f"Compte administrateur ouvert pour {email} : le mot de passe temporaire est parti "
        "par courriel (valable 14 jours, à changer à la première connexion)")


def create_admin(session: Any, stage: str, email: str, name: str,
                 commune_name: str | None = None, zone: str | None = None) -> None:
    """Open the first admin account with the deployed stage's own settings."""
    variables = function_environment(session, stage)
    _check_mail_ready(session, variables["CANTINE_MAIL_FROM"], email)
    open_admin(variables, email, name, commune_name, zone)


# -- command line ----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy one stage to AWS.")
    parser.add_argument("--stage", default=os.environ.get("STAGE", "prod"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", DEFAULT_REGION))
    parser.add_argument("--profile", default=os.environ.get("AWS_PROFILE"))
    parser.add_argument("--parameter", action="append", default=[], metavar="Clé=Valeur")
    parser.add_argument("--skip-stack", action="store_true", help="site and admin only")
    parser.add_argument("--skip-site", action="store_true")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the invalidation")
    parser.add_argument("--rotate-secrets", action="store_true",
                        help="new SigningKey and OriginSecret (signs everyone's devices out)")
    parser.add_argument("--create-admin", metavar="EMAIL")
    parser.add_argument("--admin-name", default="Administrateur")
    parser.add_argument("--commune-name", help="first settings of the commune (once)")
    parser.add_argument("--zone", choices=("A", "B", "C"), help="school-holiday zone (once)")
    args = parser.parse_args(argv)

    import boto3
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    try:
        if args.skip_stack:
            stack = describe_stack(session.client("cloudformation"), stack_name(args.stage))
            if stack is None:
                raise DeployError(f"la pile {stack_name(args.stage)} n'existe pas")
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        else:
            outputs = deploy_stack(session, args.stage,
                                   read_parameters(args.stage, args.parameter),
                                   rotate_secrets=args.rotate_secrets)
        if not args.skip_site:
            publish_site(session, outputs, wait=not args.no_wait)
        upgrade_data(function_environment(session, args.stage))
        if args.create_admin:
            create_admin(session, args.stage, args.create_admin, args.admin_name,
                         args.commune_name, args.zone)
    except DeployError as exc:
        print(f"échec : {exc}", file=sys.stderr)
        return 1
    log(f"Portail : {outputs['PublicUrl']}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
