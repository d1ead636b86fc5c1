"""A lab template's custom deployment configurations are read by the deploy engine's reader."""

from __future__ import annotations

import pytest

from simulator.codedeploy import resolve_config
from simulator.scenarios._template import TemplateSettingsError, group_settings

TEMPLATE = """
Resources:
  Config:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      DeploymentConfigName: !Sub "${AWS::StackName}-half"
      MinimumHealthyHosts: {Type: FLEET_PERCENT, Value: "50"}
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: web
      DeploymentConfigName: !Ref Config
      ServiceRoleArn: arn:aws:iam::111122223333:role/cd
"""


def test_template_config_resolves_by_its_name_with_text_numbers() -> None:
    found = group_settings(
        TEMPLATE.replace('!Sub "${AWS::StackName}-half"', "HalfFleet"),
        "template.yaml",
        account="111122223333",
        region="eu-west-1",
    )
    assert found.config == "HalfFleet"
    hosts = resolve_config("HalfFleet", "Server", dict(found.custom_configs))
    assert (hosts.kind, hosts.value) == ("FLEET_PERCENT", 50)


def test_a_config_for_the_wrong_shape_is_a_clear_error() -> None:
    broken = TEMPLATE.replace('!Sub "${AWS::StackName}-half"', "Bad")
    broken = broken.replace('{Type: FLEET_PERCENT, Value: "50"}', "5")
    with pytest.raises(TemplateSettingsError, match="MinimumHealthyHosts must be"):
        group_settings(broken, "template.yaml", account="111122223333", region="eu-west-1")
