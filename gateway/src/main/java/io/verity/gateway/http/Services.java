package io.verity.gateway.http;

import io.verity.gateway.GatewayConfig;
import io.verity.gateway.ModelRules;
import io.verity.gateway.evidence.CommitteeFeed;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.openai.OpenAiProxy;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.tee.TeeGate;
import io.verity.gateway.tensor.NodeCaller;
import java.net.http.HttpClient;
import java.util.Optional;

/** What the HTTP API serves from: the running gateway's parts, wired by {@link io.verity.gateway.Gateway}. */
public record Services(GatewayConfig config, NodeDirectory directory, PolicyEngine engine, NodeCaller tensors, TeeGate tee,
        EvidenceLog evidence, HttpClient http, OpenAiProxy openAi,
        ModelRules rules, Optional<CommitteeFeed> committee) {}
