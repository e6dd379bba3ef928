// SPDX-License-Identifier: Apache-2.0
/** Two regions with a hosted zone: the global table's replica, the key stack, failover DNS on /health/region. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synth, TWO_REGIONS, type Synthesised } from './synth.js';

describe('the CDK app with two regions', () => {
  let s: Synthesised;
  let primary: Template;
  let secondary: Template;
  beforeAll(() => {
    s = synth(TWO_REGIONS);
    primary = s.template(0);
    secondary = s.template(1);
  });

  it('makes the key stack of the second region, then the primary, then the second region', () => {
    expect(s.keys.map((k) => k.stackName)).toEqual(['Clearway-eu-central-1-key']);
    expect(s.regions.map((r) => r.stackName)).toEqual(['Clearway-eu-west-1', 'Clearway-eu-central-1']);
    expect(s.regions[0].dependencies.map((d) => d.stackName)).toEqual(['Clearway-eu-central-1-key']);
    expect(s.regions[1].dependencies.map((d) => d.stackName)).toEqual(
      expect.arrayContaining(['Clearway-eu-west-1', 'Clearway-eu-central-1-key']),
    );
    const key = Template.fromStack(s.keys[0]);
    key.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    key.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/clearway-data' });
  });

  it('makes the table a global table with a replica in the second region, encrypted with that region key', () => {
    primary.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'clearway',
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'eu-west-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ]),
    });
    primary.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({
          Region: 'eu-central-1',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: {
            KMSMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([':kms:eu-central-1:111122223333:alias/clearway-data'])] },
          },
        }),
      ]),
    });
    secondary.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  it('replicates the secrets to the second region, and grants each region its own replica of the table', () => {
    primary.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'clearway/clients/operator',
      ReplicaRegions: [{ Region: 'eu-central-1', KmsKeyId: Match.objectLike({ 'Fn::Join': Match.anyValue() }) }],
    });
    secondary.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const tableStatement = (t: Template) =>
      JSON.stringify(
        Object.values(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^TaskPolicy') } }))[0]
          .Properties.PolicyDocument.Statement[0].Resource,
      );
    for (const t of [primary, secondary]) {
      expect(tableStatement(t)).toContain(':dynamodb:eu-west-1:');
      expect(tableStatement(t)).toContain(':dynamodb:eu-central-1:');
    }
  });

  it('tells each region its peer and the consistency mode', () => {
    const env = (t: Template) =>
      Object.fromEntries(
        (
          Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0].Environment as {
            Name: string;
            Value: unknown;
          }[]
        ).map((e) => [e.Name, e.Value]),
      );
    expect(env(primary)).toMatchObject({
      REGION_ID: 'eu-west-1',
      PEER_REGIONS: 'eu-central-1',
      CONSISTENCY: 'eventual',
      DYNAMODB_TABLE: 'clearway',
    });
    expect(env(secondary)).toMatchObject({
      REGION_ID: 'eu-central-1',
      PEER_REGIONS: 'eu-west-1',
      CONSISTENCY: 'eventual',
      DYNAMODB_TABLE: 'clearway',
    });
  });

  it('makes Route 53 failover records, PRIMARY and SECONDARY, each with an HTTPS health check on /health/region', () => {
    for (const [t, failover, region] of [
      [primary, 'PRIMARY', 'eu-west-1'],
      [secondary, 'SECONDARY', 'eu-central-1'],
    ] as const) {
      t.resourceCountIs('AWS::Route53::HealthCheck', 1);
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({
          Type: 'HTTPS',
          Port: 443,
          ResourcePath: '/health/region',
          FullyQualifiedDomainName: Match.anyValue(),
        }),
      });
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'payments.example.com.',
        Type: 'A',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        Failover: failover,
        SetIdentifier: `clearway-${region}`,
        HealthCheckId: { Ref: Match.stringLikeRegexp('^RegionHealth') },
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
    }
  });

  it('uses each region certificate, alarms on replication latency and subscribes the alarm email', () => {
    primary.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: TWO_REGIONS.certificateArn['eu-west-1'] }],
    });
    secondary.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: TWO_REGIONS.certificateArn['eu-central-1'] }],
    });
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'clearway-eu-west-1-ReplicationLatency-eu-central-1',
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayWith([{ Name: 'ReceivingRegion', Value: 'eu-central-1' }]),
    });
    // 11 on AWS metrics, 7 on the gateway's (namespace Clearway), and the replication latency to the peer
    primary.resourceCountIs('AWS::CloudWatch::Alarm', 19);
    secondary.resourceCountIs('AWS::CloudWatch::Alarm', 19);
    primary.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('makes the optional Cognito pool (primary only) with the rp2 resource server scopes', () => {
    primary.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'rp2',
      Scopes: [
        { ScopeName: 'read', ScopeDescription: Match.anyValue() },
        { ScopeName: 'write', ScopeDescription: Match.anyValue() },
      ],
    });
    primary.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]),
      GenerateSecret: true,
    });
    secondary.resourceCountIs('AWS::Cognito::UserPool', 0);
  });
});

describe('settings', () => {
  it('refuses strong consistency over two regions without a witness region', () => {
    expect(() => synth({ regions: 'eu-west-1,eu-central-1', consistency: 'strong' })).toThrow(/witnessRegion/);
  });
  it('refuses three regions and a half-configured hosted zone', () => {
    expect(() => synth({ regions: 'eu-west-1,eu-central-1,us-east-1' })).toThrow(/one or two regions/);
    expect(() => synth({ hostedZoneId: 'Z1' })).toThrow(/go together/);
  });
});
